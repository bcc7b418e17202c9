//! The settings a technician may change on site, validated by the same rules as the
//! configuration file and saved so that they survive a restart.
//!
//! The editable subset is closed on purpose: [`Settings`] has no field for the server's
//! CA, the kiosk's client certificate and key, or the document trust anchors, so no
//! input on the maintenance screen can reach them.

use std::io::{self, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::config::{Config, ConfigError};
use crate::session::Language;

/// What the settings screen shows and edits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub kiosk_id: String,
    pub site: String,
    pub server_url: String,
    pub idle_seconds: u64,
    pub warning_seconds: u64,
    pub session_limit_seconds: u64,
    /// Language a new session starts in: "id" or "en".
    pub language: String,
}

/// A refused change. `field` is a stable code the UI maps to translated text (one of
/// the [`Settings`] field names, or `config` for a problem elsewhere in the file);
/// `message` is English, for the log and the technician.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct SettingsError {
    pub field: &'static str,
    pub message: String,
}

impl Settings {
    pub fn from_config(config: &Config) -> Settings {
        Settings {
            kiosk_id: config.kiosk_id.clone(),
            site: config.site.clone(),
            server_url: config.server.url.to_string(),
            idle_seconds: config.timeouts.idle_seconds,
            warning_seconds: config.timeouts.warning_seconds,
            session_limit_seconds: config.timeouts.session_limit_seconds,
            language: config.language.code().to_owned(),
        }
    }
}

/// The configuration with `s` applied, or why not. `config` itself is left untouched.
pub fn apply(config: &Config, s: &Settings) -> Result<Config, SettingsError> {
    let server_url = s.server_url.trim();
    // "demo" swaps in the reference server with its own certificates and trust anchor:
    // on a real kiosk that would replace the pinned verification, so only the
    // configuration file can choose it.
    if server_url == "demo" && !config.server.url.is_demo() {
        return Err(SettingsError {
            field: "server_url",
            message: "demo mode cannot be chosen from the maintenance menu".into(),
        });
    }
    let mut next = config.clone();
    next.kiosk_id = s.kiosk_id.trim().to_owned();
    next.site = s.site.trim().to_owned();
    next.server.url = server_url.into();
    next.timeouts.idle_seconds = s.idle_seconds;
    next.timeouts.warning_seconds = s.warning_seconds;
    next.timeouts.session_limit_seconds = s.session_limit_seconds;
    next.language = Language::from_code(s.language.trim())
        .ok_or_else(|| SettingsError { field: "language", message: "must be \"id\" or \"en\"".into() })?;
    next.validate().map_err(refusal)?;
    Ok(next)
}

/// Names the settings field a configuration error is about.
fn refusal(e: ConfigError) -> SettingsError {
    let ConfigError::Invalid { key, message } = e else {
        return SettingsError { field: "config", message: e.to_string() };
    };
    let field = match key {
        "kiosk_id" => "kiosk_id",
        "site" => "site",
        "language" => "language",
        "server.url" => "server_url",
        "timeouts.idle_seconds" => "idle_seconds",
        "timeouts.warning_seconds" => "warning_seconds",
        "timeouts.session_limit_seconds" => "session_limit_seconds",
        // Leaving demo mode needs certificates and trust anchors, which only
        // provisioning installs.
        "server" | "server.signature_anchors" => {
            return SettingsError {
                field: "server_url",
                message: format!("this kiosk is not provisioned for a real server ({message})"),
            };
        }
        _ => "config",
    };
    let message = if field == "config" { format!("`{key}`: {message}") } else { message };
    SettingsError { field, message }
}

/// Whether going from `before` to `after` needs the app restarted (the connection to
/// the central server is built at start); everything else applies at once.
pub fn restart_needed(before: &Config, after: &Config) -> bool {
    before.server.url != after.server.url
}

/// Writes `config` to `path` so that a power cut leaves either the old or the new file,
/// never half of one ([`crate::atomic_file`]).
pub fn save(path: &Path, config: &Config) -> io::Result<()> {
    let text = toml::to_string(config).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    crate::atomic_file::replace(path, |tmp| {
        // Keep the file's permissions (it holds technicians' PIN hashes); tempfile's own
        // default is owner-only, which is right for a new file.
        if let Ok(meta) = std::fs::metadata(path) {
            tmp.as_file().set_permissions(meta.permissions())?;
        }
        tmp.write_all(b"# Saved by the maintenance menu; comments are not kept.\n")?;
        tmp.write_all(text.as_bytes())
    })
}

#[cfg(test)]
#[path = "settings_tests.rs"]
mod tests;
