//! The listener: plain HTTP or TLS on one address, HTTP/1.1 and HTTP/2, stopping cleanly.

use crate::api::ApiServer;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// Serves connections until `shutdown` turns true; open connections finish gracefully.
pub async fn serve(
    listener: TcpListener,
    api: ApiServer,
    tls: Option<Arc<rustls::ServerConfig>>,
    mut shutdown: watch::Receiver<bool>,
) {
    let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    // Every connection task is kept here so shutdown can end the ones still open: a watch
    // stream would otherwise outlive the server.
    let mut connections = tokio::task::JoinSet::new();
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    tracing::warn!("accept failed: {e}");
                    continue;
                }
            },
            _ = shutdown.changed() => break,
        };
        // Reap finished connections so the set does not grow without bound.
        while connections.try_join_next().is_some() {}
        let _ = stream.set_nodelay(true);
        let api = api.clone();
        let service = service_fn(move |req| {
            let api = api.clone();
            async move { Ok::<_, std::convert::Infallible>(api.handle_incoming(req).await) }
        });
        let builder = auto::Builder::new(TokioExecutor::new());
        match &acceptor {
            Some(acceptor) => {
                let acceptor = acceptor.clone();
                let watcher = graceful.watcher();
                connections.spawn(async move {
                    let Ok(tls) = acceptor.accept(stream).await else {
                        return;
                    };
                    let conn = builder
                        .serve_connection_with_upgrades(TokioIo::new(tls), service)
                        .into_owned();
                    let _ = watcher.watch(conn).await;
                });
            }
            None => {
                let conn = builder
                    .serve_connection_with_upgrades(TokioIo::new(stream), service)
                    .into_owned();
                let watched = graceful.watch(conn);
                connections.spawn(async move {
                    let _ = watched.await;
                });
            }
        }
    }
    // Watches are long-lived streams: give open requests a moment, then close what is left.
    let _ = tokio::time::timeout(std::time::Duration::from_secs(1), graceful.shutdown()).await;
    connections.abort_all();
    while connections.join_next().await.is_some() {}
}
