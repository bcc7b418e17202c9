//! Issue #13, item 14: connections that never start a TLS handshake cannot jam the
//! server. 600 idle TCP connections (from four loopback addresses, one of them the
//! kiosk's own) are held open; a kiosk request still succeeds within 5 s.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use tokio::net::{TcpSocket, TcpStream};

use crate::common::*;

async fn idle_connection(from: Ipv4Addr, to: SocketAddr) -> Option<TcpStream> {
    let socket = TcpSocket::new_v4().ok()?;
    socket.bind(SocketAddr::new(from.into(), 0)).ok()?;
    tokio::time::timeout(Duration::from_secs(2), socket.connect(to)).await.ok()?.ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn six_hundred_idle_connections_do_not_keep_a_kiosk_out() {
    let server = server();
    let client = client(&server);
    client.health().await.expect("server up");
    let sources = [
        Ipv4Addr::new(127, 0, 0, 1),
        Ipv4Addr::new(127, 0, 0, 2),
        Ipv4Addr::new(127, 0, 0, 3),
        Ipv4Addr::new(127, 0, 0, 4),
    ];
    let mut idle = Vec::new();
    for i in 0..600 {
        if let Some(c) = idle_connection(sources[i % sources.len()], server.addr).await {
            idle.push(c);
        }
    }
    assert!(idle.len() >= 500, "only {} idle connections opened", idle.len());
    let fresh = CentralClient::new(quick(server.client_config())).unwrap();
    let started = Instant::now();
    let health = tokio::time::timeout(Duration::from_secs(5), fresh.health()).await;
    assert!(matches!(health, Ok(Ok(_))), "kiosk request after {:?}: {health:?}", started.elapsed());
    drop(idle);
}

use adm_central_client::CentralClient;
