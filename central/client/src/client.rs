//! The kiosk's HTTPS client: pinned CA, the kiosk's own client certificate, timeouts,
//! bounded retries on transient failures only, and size limits on every answer.

use std::sync::Arc;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::answer;
use crate::api::{self, paths, shape};
use crate::body;
use crate::error::ClientError;
use crate::observe::{self, RequestObserver};

mod citizen;

/// Largest CRL bundle accepted (a few CAs' CRLs; a national CA's full CRL is far smaller).
const MAX_CRL_BYTES: usize = 4 * 1024 * 1024;

/// A downloaded PDF and the print grant the server reserved for it.
pub struct Download {
    /// Wiped when dropped.
    pub pdf: Zeroizing<Vec<u8>>,
    /// None from a server that does not issue grants (its reports are then flagged).
    pub grant_id: Option<String>,
}

/// Why an update bundle did not arrive whole.
#[derive(Debug, thiserror::Error)]
pub enum UpdateDownloadError {
    #[error(transparent)]
    Client(#[from] ClientError),
    /// Writing what arrived failed (disk full, ...).
    #[error("storing the bundle: {0}")]
    Sink(std::io::Error),
}

/// Where the central server is and who this kiosk is.
#[derive(Clone)]
pub struct ClientConfig {
    /// `https://host[:port]`, without a trailing slash.
    pub base_url: String,
    /// The CA(s) the server certificate must chain to. Nothing else is trusted: the
    /// platform trust store is never consulted.
    pub ca_pem: Vec<u8>,
    /// The kiosk's certificate (and any intermediates), PEM.
    pub cert_pem: Vec<u8>,
    /// The kiosk's private key, PEM (PKCS#8, SEC1 or PKCS#1).
    pub key_pem: Zeroizing<Vec<u8>>,
    pub connect_timeout: Duration,
    /// Longest silence while reading an answer.
    pub read_timeout: Duration,
    /// Longest a whole request may take (one attempt).
    pub request_timeout: Duration,
    /// Attempts per request, including the first (at least 1).
    pub max_attempts: u32,
    /// Mean first retry delay (drawn from `[0, 2·backoff)`); the window doubles on each
    /// further retry, up to 5 s.
    pub backoff: Duration,
    pub max_json_bytes: usize,
    pub max_pdf_bytes: usize,
    /// Told about every request (endpoint, duration, whether the service failed): the
    /// kiosk's metrics. None: nobody is told.
    pub observer: Option<Arc<dyn RequestObserver>>,
    /// The earliest time the server's certificate is judged at, whatever the system clock
    /// says (see [`crate::time_floor`]). None: the system clock alone.
    pub time_floor: Option<crate::time_floor::FloorTime>,
}

impl ClientConfig {
    pub fn new(base_url: impl Into<String>, ca_pem: Vec<u8>, cert_pem: Vec<u8>, key_pem: Vec<u8>) -> Self {
        ClientConfig {
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            ca_pem,
            cert_pem,
            key_pem: Zeroizing::new(key_pem),
            connect_timeout: Duration::from_secs(5),
            read_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_attempts: 3,
            backoff: Duration::from_millis(300),
            max_json_bytes: 1024 * 1024,
            max_pdf_bytes: 20 * 1024 * 1024,
            observer: None,
            time_floor: None,
        }
    }
}

impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientConfig").field("base_url", &self.base_url).finish_non_exhaustive()
    }
}

/// How long an unused connection to the server is kept for the next request.
const POOL_IDLE: Duration = Duration::from_secs(8);

/// Whether a request may be sent twice.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Retry {
    /// GET, PUT with an idempotency key, DELETE: retried on connection failures,
    /// timeouts and 502/503/504.
    Idempotent,
    /// Sign-in: a PIN attempt that reached the server must not be replayed (it could
    /// count twice towards the lockout), so only a connection that never opened is retried.
    OnlyIfNotSent,
}

/// The kiosk's client for the central server. Cheap to clone (shares one connection pool).
#[derive(Clone)]
pub struct CentralClient {
    http: reqwest::Client,
    cfg: Arc<ClientConfig>,
    jitter: Arc<Jitter>,
}

/// Where this client's retry delays come from (`crate::backoff`).
struct Jitter {
    /// From the kiosk's certificate (a different one on every kiosk) and a per-process key.
    seed: u64,
    /// Requests sent so far, so two requests of one kiosk draw different delays.
    requests: std::sync::atomic::AtomicU64,
}

impl CentralClient {
    pub fn new(cfg: ClientConfig) -> Result<Self, ClientError> {
        if !cfg.base_url.starts_with("https://") {
            return Err(ClientError::Config("base_url must start with https://".into()));
        }
        let tls = tls_config(&cfg)?;
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .https_only(true)
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(cfg.connect_timeout)
            .read_timeout(cfg.read_timeout)
            .timeout(cfg.request_timeout)
            // Shorter than the server's own idle limit (the reference server closes a
            // keep-alive connection after 10 s without a request): a connection the
            // server already closed is never picked for a sign-in, which is not retried,
            // and an idle kiosk stops holding one of the server's connection places
            // sooner (2,000 kiosks in `cargo bench -p adm-central --bench fleet_load`
            // filled its 512 places at about 30 sessions/s).
            .pool_idle_timeout(POOL_IDLE)
            .build()
            .map_err(|e| ClientError::Config(format!("HTTP client: {e}")))?;
        let jitter = Jitter { seed: crate::backoff::seed_for(&cfg.cert_pem), requests: Default::default() };
        Ok(CentralClient { http, cfg: Arc::new(cfg), jitter: Arc::new(jitter) })
    }

    pub fn base_url(&self) -> &str {
        &self.cfg.base_url
    }

    /// Checks the connection and this kiosk's standing with the server.
    pub async fn health(&self) -> Result<api::Health, ClientError> {
        self.json(Method::GET, paths::HEALTH, None, None::<&()>, Retry::Idempotent).await
    }

    pub async fn sign_in_nik(&self, nik: &str, pin: &str) -> Result<api::SessionGrant, ClientError> {
        // Refuse malformed input locally: it could only come back as 400 anyway.
        if !shape::is_nik(nik) {
            return Err(ClientError::UnknownCitizen);
        }
        if !shape::is_pin(pin) {
            return Err(ClientError::Rejected("PIN must be 4-8 digits".into()));
        }
        let body = body::NikSignIn { nik, pin };
        self.json(Method::POST, paths::SIGN_IN_NIK, None, Some(&body), Retry::OnlyIfNotSent).await
    }

    pub async fn sign_in_notice(&self, code: &str, pin: &str) -> Result<api::SessionGrant, ClientError> {
        if !shape::is_code(code) {
            return Err(ClientError::UnknownNotice);
        }
        if !shape::is_pin(pin) {
            return Err(ClientError::Rejected("PIN must be 4-8 digits".into()));
        }
        let body = body::NoticeSignIn { code, pin };
        self.json(Method::POST, paths::SIGN_IN_NOTICE, None, Some(&body), Retry::OnlyIfNotSent).await
    }

    /// Ends the session on the server. Tokens also expire by themselves.
    pub async fn sign_out(&self, token: &str) -> Result<(), ClientError> {
        self.raw(Method::DELETE, paths::SESSION, Some(token), None::<&()>, Retry::Idempotent, self.cfg.max_json_bytes)
            .await
            .map(|_| ())
    }

    pub async fn list_documents(&self, token: &str) -> Result<Vec<api::DocumentInfo>, ClientError> {
        let list: api::DocumentList =
            self.json(Method::GET, paths::DOCUMENTS, Some(token), None::<&()>, Retry::Idempotent).await?;
        Ok(list.documents)
    }

    /// Downloads a document's PDF and checks it against the size and SHA-256 announced in
    /// the listing. The bytes are wiped when dropped.
    pub async fn download(&self, token: &str, doc: &api::DocumentInfo) -> Result<Zeroizing<Vec<u8>>, ClientError> {
        self.download_granted(token, doc).await.map(|d| d.pdf)
    }

    /// [`Self::download`], with the print grant the server reserved for it (to be named in
    /// the print report, [`api::PrintReportBody::grant_id`]).
    pub async fn download_granted(&self, token: &str, doc: &api::DocumentInfo) -> Result<Download, ClientError> {
        if !shape::is_id(&doc.id) {
            return Err(ClientError::NotFound);
        }
        let limit = usize::try_from(doc.size).unwrap_or(usize::MAX).min(self.cfg.max_pdf_bytes);
        if doc.size as usize > self.cfg.max_pdf_bytes {
            return Err(ClientError::TooLarge);
        }
        let path = paths::document_pdf(&doc.id);
        let (bytes, grant) = self
            .observed(
                Method::GET,
                &path,
                Some(token),
                None::<&()>,
                Retry::Idempotent,
                limit,
                Some(api::PRINT_GRANT_HEADER),
            )
            .await?;
        let digest = hex::encode(Sha256::digest(bytes.as_slice()));
        if bytes.len() as u64 != doc.size || !digest.eq_ignore_ascii_case(&doc.sha256) {
            return Err(ClientError::IntegrityMismatch);
        }
        // Only a grant of the shape the server issues is passed on.
        Ok(Download { pdf: bytes, grant_id: grant.filter(|g| shape::is_id(g)) })
    }

    /// Reports a print outcome. Idempotent: the same `report_id` may be sent any number
    /// of times and is counted once.
    pub async fn report_print(
        &self,
        report_id: &str,
        body: &api::PrintReportBody,
    ) -> Result<api::PrintReportAck, ClientError> {
        if !shape::is_id(report_id) {
            return Err(ClientError::Rejected("report id must be 8-64 characters [A-Za-z0-9_-]".into()));
        }
        self.json(Method::PUT, &paths::print_report(report_id), None, Some(body), Retry::Idempotent).await
    }

    /// Sends an audit event. Idempotent on `event_id`.
    pub async fn send_audit(
        &self,
        event_id: &str,
        body: &api::AuditEventBody,
    ) -> Result<api::AuditEventAck, ClientError> {
        if !shape::is_id(event_id) {
            return Err(ClientError::Rejected("event id must be 8-64 characters [A-Za-z0-9_-]".into()));
        }
        self.json(Method::PUT, &paths::audit_event(event_id), None, Some(body), Retry::Idempotent).await
    }

    /// The certificate revocation lists of the document-signing CAs, as PEM (`X509 CRL`
    /// blocks), for the kiosk's revocation check. Needs only the kiosk's identity; the
    /// kiosk verifies every CRL against the signer's chain, so the bytes are not trusted.
    pub async fn revocation_lists(&self) -> Result<Vec<u8>, ClientError> {
        let pem = self.raw(Method::GET, paths::CRL, None, None::<&()>, Retry::Idempotent, MAX_CRL_BYTES).await?;
        Ok(pem.to_vec())
    }

    /// Looks up the status of a document by the code in the QR printed on it.
    pub async fn verify(&self, code: &str) -> Result<api::VerifyResult, ClientError> {
        if !shape::is_code(code) {
            return Ok(api::VerifyResult {
                status: api::DocumentStatus::TidakValid,
                kind: None,
                title: None,
                number: None,
                issued: None,
            });
        }
        self.json(Method::GET, &paths::verify(code), None, None::<&()>, Retry::Idempotent).await
    }

    /// The update bundle the operator published (None: nothing published).
    pub async fn update_offer(&self) -> Result<Option<api::UpdateOffer>, ClientError> {
        let bytes =
            self.raw(Method::GET, paths::UPDATE, None, None::<&()>, Retry::Idempotent, self.cfg.max_json_bytes).await?;
        // 204 No Content: nothing published.
        answer::update_offer(&bytes)
    }

    /// Streams the offered bundle into `sink` chunk by chunk (it is hundreds of MB: never
    /// held in memory) and checks it against the offer's size and SHA-256 on the way.
    /// `IntegrityMismatch` when it does not match; then `sink` has received garbage. One
    /// attempt, bounded by `timeout` (the caller tries again at its next check).
    pub async fn download_update(
        &self,
        offer: &api::UpdateOffer,
        timeout: Duration,
        sink: &mut (dyn FnMut(&[u8]) -> std::io::Result<()> + Send),
    ) -> Result<(), UpdateDownloadError> {
        if !shape::is_sha256(&offer.sha256) {
            return Err(ClientError::NotFound.into());
        }
        let path = paths::update_bundle(&offer.sha256);
        let started = std::time::Instant::now();
        let result = self.stream_update(&path, offer, timeout, sink).await;
        // A full disk on the kiosk is no failure of the central server.
        let failed = matches!(&result, Err(UpdateDownloadError::Client(e)) if observe::is_service_failure(e));
        self.report(&path, started, failed);
        result
    }

    async fn stream_update(
        &self,
        path: &str,
        offer: &api::UpdateOffer,
        timeout: Duration,
        sink: &mut (dyn FnMut(&[u8]) -> std::io::Result<()> + Send),
    ) -> Result<(), UpdateDownloadError> {
        let url = format!("{}{}", self.cfg.base_url, path);
        let mut resp = self
            .http
            .get(&url)
            .header(reqwest::header::ACCEPT, "application/octet-stream, application/json")
            .timeout(timeout)
            .send()
            .await
            .map_err(|e| classify(&e))?;
        let status = resp.status();
        if !status.is_success() {
            let bytes = read_limited(resp, self.cfg.max_json_bytes).await.unwrap_or_default();
            return Err(refusal(status, &bytes).into());
        }
        if resp.content_length().is_some_and(|n| n != offer.size) {
            return Err(ClientError::IntegrityMismatch.into());
        }
        let mut hasher = Sha256::new();
        let mut received = 0u64;
        while let Some(chunk) = resp.chunk().await.map_err(|_| ClientError::Unreachable)? {
            received += chunk.len() as u64;
            if received > offer.size {
                return Err(ClientError::IntegrityMismatch.into());
            }
            hasher.update(&chunk);
            sink(&chunk).map_err(UpdateDownloadError::Sink)?;
        }
        let digest = hex::encode(hasher.finalize());
        if received != offer.size || digest != offer.sha256 {
            return Err(ClientError::IntegrityMismatch.into());
        }
        Ok(())
    }

    async fn json<T: DeserializeOwned, B: Serialize>(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&B>,
        retry: Retry,
    ) -> Result<T, ClientError> {
        let bytes = self.raw(method, path, token, body, retry, self.cfg.max_json_bytes).await?;
        answer::json(&bytes)
    }

    /// One request with retries; returns the body of a 2xx answer or the mapped error.
    async fn raw<B: Serialize>(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&B>,
        retry: Retry,
        limit: usize,
    ) -> Result<Zeroizing<Vec<u8>>, ClientError> {
        self.observed(method, path, token, body, retry, limit, None).await.map(|(bytes, _)| bytes)
    }

    /// [`Self::send`], reported to the observer (endpoint, time, whether the service failed).
    #[allow(clippy::too_many_arguments)]
    async fn observed<B: Serialize>(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&B>,
        retry: Retry,
        limit: usize,
        want_header: Option<&str>,
    ) -> Result<(Zeroizing<Vec<u8>>, Option<String>), ClientError> {
        let started = std::time::Instant::now();
        let result = self.send(method, path, token, body, retry, limit, want_header).await;
        self.report(path, started, result.as_ref().is_err_and(observe::is_service_failure));
        result
    }

    /// Tells the observer (if any) about one request: its endpoint, how long it took and
    /// whether the central service failed it.
    fn report(&self, path: &str, started: std::time::Instant, service_failed: bool) {
        if let Some(observer) = &self.cfg.observer {
            observer.request(observe::endpoint_of(path), started.elapsed(), !service_failed);
        }
    }

    /// [`Self::observed`] without the observer: the request, retried as `retry` allows; with
    /// the value of the answer's header `want_header`, if asked for and present.
    #[allow(clippy::too_many_arguments)]
    async fn send<B: Serialize>(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&B>,
        retry: Retry,
        limit: usize,
        want_header: Option<&str>,
    ) -> Result<(Zeroizing<Vec<u8>>, Option<String>), ClientError> {
        // Serialized once, into a buffer wiped when the last attempt is done with it.
        let body = body.map(crate::body::json_body).transpose()?;
        let url = format!("{}{}", self.cfg.base_url, path);
        let attempts = self.cfg.max_attempts.max(1);
        // This request's own jitter seed: the kiosk's, varied per request.
        let seed = self.jitter.seed ^ self.jitter.requests.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let last = attempt >= attempts;
            let mut req = self
                .http
                .request(method.clone(), &url)
                .header(reqwest::header::ACCEPT, "application/json, application/pdf");
            if let Some(token) = token {
                req = req.bearer_auth(token);
            }
            if let Some(body) = &body {
                req = req.header(reqwest::header::CONTENT_TYPE, "application/json").body(body.clone());
            }
            let err = match req.send().await {
                Ok(resp) => {
                    let status = resp.status();
                    let header = want_header
                        .and_then(|h| resp.headers().get(h))
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned);
                    if retry == Retry::Idempotent && is_retryable_status(status) && !last {
                        ClientError::Server(format!("HTTP {}", status.as_u16()))
                    } else {
                        match read_limited(resp, limit).await {
                            Ok(bytes) if status.is_success() => return Ok((bytes, header)),
                            Ok(bytes) => return Err(refusal(status, &bytes)),
                            Err(ReadError::TooLarge) => return Err(ClientError::TooLarge),
                            // The answer broke off half-way: transient, but for a
                            // non-idempotent request the server may have acted on it.
                            Err(ReadError::Transport) if retry == Retry::Idempotent => ClientError::Unreachable,
                            Err(ReadError::Transport) => return Err(ClientError::Unreachable),
                        }
                    }
                }
                Err(e) => {
                    let mapped = classify(&e);
                    let may_retry = mapped == ClientError::Unreachable
                        && match retry {
                            Retry::Idempotent => true,
                            Retry::OnlyIfNotSent => e.is_connect(),
                        };
                    if !may_retry {
                        return Err(mapped);
                    }
                    mapped
                }
            };
            if last {
                return Err(err);
            }
            tracing::debug!(%path, attempt, error = %err, "central request failed, retrying");
            tokio::time::sleep(backoff(self.cfg.backoff, seed, attempt)).await;
        }
    }
}

/// The error an unsuccessful answer stands for, from its status and its JSON error body.
fn refusal(status: StatusCode, body: &[u8]) -> ClientError {
    answer::refusal(status.as_u16(), body)
}

fn is_retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 502..=504)
}

/// Longest wait between two attempts of one request.
const RETRY_CAP: Duration = Duration::from_secs(5);

/// The wait before retry `attempt`: exponential with full jitter (`crate::backoff`), drawn
/// from this kiosk's seed and the request's own number, so a fleet whose requests failed
/// together (a server restart) does not retry in lockstep. The clock's sub-second digits
/// used before were nearly the same on kiosks failing at the same instant.
fn backoff(base: Duration, seed: u64, attempt: u32) -> Duration {
    crate::backoff::Backoff { base, cap: RETRY_CAP }.delay(seed, attempt)
}

enum ReadError {
    TooLarge,
    Transport,
}

/// Reads an answer body, refusing to hold more than `limit` bytes.
async fn read_limited(mut resp: reqwest::Response, limit: usize) -> Result<Zeroizing<Vec<u8>>, ReadError> {
    if resp.content_length().is_some_and(|n| n > limit as u64) {
        return Err(ReadError::TooLarge);
    }
    // Reserve up front: growing the vector would leave copies of the PDF behind that
    // Zeroizing cannot wipe.
    let expected = resp.content_length().map_or(16 * 1024, |n| n as usize);
    let mut buf = Zeroizing::new(Vec::with_capacity(expected.min(limit)));
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                if buf.len() + chunk.len() > limit {
                    return Err(ReadError::TooLarge);
                }
                buf.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(buf),
            Err(_) => return Err(ReadError::Transport),
        }
    }
}

/// Maps a transport error; a TLS alert refusing our certificate means the server does not
/// accept this kiosk, which a retry will not change.
fn classify(e: &reqwest::Error) -> ClientError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        let tls = err.downcast_ref::<rustls::Error>().or_else(|| {
            err.downcast_ref::<std::io::Error>()
                .and_then(|io| io.get_ref())
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        });
        if let Some(rustls::Error::AlertReceived(alert)) = tls {
            use rustls::AlertDescription as A;
            if matches!(
                alert,
                A::BadCertificate
                    | A::CertificateRequired
                    | A::UnknownCA
                    | A::CertificateRevoked
                    | A::CertificateExpired
                    | A::CertificateUnknown
                    | A::AccessDenied
            ) {
                return ClientError::KioskRefused;
            }
        }
        source = err.source();
    }
    ClientError::Unreachable
}

fn tls_config(cfg: &ClientConfig) -> Result<rustls::ClientConfig, ClientError> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&cfg.ca_pem) {
        let cert = cert.map_err(|e| ClientError::Config(format!("CA PEM: {e}")))?;
        roots.add(cert).map_err(|e| ClientError::Config(format!("CA certificate: {e}")))?;
    }
    if roots.is_empty() {
        return Err(ClientError::Config("no CA certificate in ca_pem".into()));
    }
    let chain = CertificateDer::pem_slice_iter(&cfg.cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ClientError::Config(format!("kiosk certificate PEM: {e}")))?;
    if chain.is_empty() {
        return Err(ClientError::Config("no certificate in cert_pem".into()));
    }
    let key =
        PrivateKeyDer::from_pem_slice(&cfg.key_pem).map_err(|e| ClientError::Config(format!("kiosk key PEM: {e}")))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let time: Arc<dyn rustls::time_provider::TimeProvider> = match &cfg.time_floor {
        Some(floor) => Arc::new(floor.clone()),
        None => Arc::new(rustls::time_provider::DefaultTimeProvider),
    };
    let mut tls = rustls::ClientConfig::builder_with_details(provider, time)
        .with_safe_default_protocol_versions()
        .map_err(|e| ClientError::Config(format!("TLS: {e}")))?
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, key)
        .map_err(|e| ClientError::Config(format!("kiosk certificate/key: {e}")))?;
    tls.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(tls)
}
