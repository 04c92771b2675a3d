//! The sandbox cluster: an embedded Kubernetes API server that starts in-process, with no
//! Docker and nothing downloaded, for `berth up` and for every end-to-end test.
//!
//! [`Sandbox::start`] opens (or creates) the data folder, serves the API on a loopback port
//! behind a bearer token, writes a kubeconfig for kubectl, kube-rs and Helm, and returns a
//! handle; [`Sandbox::shutdown`] stops it. Objects persist in SQLite, so a sandbox restarted on
//! the same folder has everything it acknowledged.
//!
//! Inside: [`store`](Store) holds objects and the event history; `cluster` applies the API
//! server's rules to writes; `controllers` are the loops the API server relies on (CRDs, garbage
//! collection, namespaces); `sim` is the simulated cluster behind them (nodes, scheduler,
//! kubelet, workload controllers); `api` is the HTTP surface.

mod api;
mod bootstrap;
mod cluster;
mod controllers;
mod kubeconfig;
mod registry;
mod server;
pub mod sim;
mod store;
mod tls;

pub use crate::{
    api::{ApiServer, Body},
    kubeconfig::CONTEXT,
    store::{Store, StoreError},
};

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::watch;

/// How to start a sandbox.
#[derive(Clone, Debug)]
pub struct SandboxConfig {
    /// Where to listen; port 0 picks a free one.
    pub listen: SocketAddr,
    /// Where the data lives; `None` uses a fresh temporary folder removed at shutdown.
    pub data_dir: Option<PathBuf>,
    /// Where to write the kubeconfig; defaults to `kubeconfig` in the data folder.
    pub kubeconfig: Option<PathBuf>,
    /// Serve HTTPS with a generated CA (the default). kubectl and every client-go program send
    /// the bearer token only over TLS, so a plain-HTTP sandbox serves only clients that send
    /// tokens in the clear, such as kube-rs.
    pub tls: bool,
    /// How many events the watch history keeps (older resourceVersions get 410).
    pub history_limit: usize,
    /// The simulated nodes, kubelet and workload controllers; `None` serves the API alone
    /// (objects are stored, nothing acts on them).
    pub simulation: Option<sim::SimConfig>,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir: None,
            kubeconfig: None,
            tls: true,
            history_limit: 20_000,
            simulation: Some(sim::SimConfig::default()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("cannot create the data folder {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot open the store in {path}: {source}")]
    Store { path: PathBuf, source: StoreError },
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot set up TLS: {0}")]
    Tls(#[from] tls::TlsError),
    #[error("cannot write the kubeconfig {path}: {source}")]
    Kubeconfig {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read or write the token file {path}: {source}")]
    Token {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A running sandbox. Dropping it without [`Sandbox::shutdown`] stops the listener too, but
/// without waiting for it.
pub struct Sandbox {
    url: String,
    kubeconfig_path: PathBuf,
    token: String,
    data_dir: PathBuf,
    _temp: Option<tempfile::TempDir>,
    shutdown: watch::Sender<bool>,
    server: Option<tokio::task::JoinHandle<()>>,
    controllers_stop: Arc<AtomicBool>,
    controllers: Option<std::thread::JoinHandle<()>>,
    simulation: Option<std::thread::JoinHandle<()>>,
}

impl Sandbox {
    /// Starts a sandbox. Must be called inside a multi-threaded Tokio runtime.
    pub async fn start(config: SandboxConfig) -> Result<Self, SandboxError> {
        let (data_dir, temp) = match &config.data_dir {
            Some(dir) => {
                std::fs::create_dir_all(dir).map_err(|source| SandboxError::DataDir {
                    path: dir.clone(),
                    source,
                })?;
                (dir.clone(), None)
            }
            None => {
                let temp = tempfile::Builder::new()
                    .prefix("berth-sandbox-")
                    .tempdir()
                    .map_err(|source| SandboxError::DataDir {
                        path: std::env::temp_dir(),
                        source,
                    })?;
                (temp.path().to_path_buf(), Some(temp))
            }
        };
        let cluster = open_cluster(&data_dir, config.history_limit)?;
        let token = load_or_create_token(&data_dir)?;

        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|source| SandboxError::Listen {
                addr: config.listen,
                source,
            })?;
        let addr = listener
            .local_addr()
            .map_err(|source| SandboxError::Listen {
                addr: config.listen,
                source,
            })?;
        let (tls_config, ca_pem) = if config.tls {
            let certs = tls::generate(addr.ip(), &data_dir)?;
            (Some(certs.config), Some(certs.ca_pem))
        } else {
            (None, None)
        };
        let scheme = if config.tls { "https" } else { "http" };
        let url = format!("{scheme}://{addr}");
        let kubeconfig_path = config
            .kubeconfig
            .clone()
            .unwrap_or_else(|| data_dir.join("kubeconfig"));
        kubeconfig::write_private(
            &kubeconfig_path,
            &kubeconfig::render(&url, &token, ca_pem.as_deref()),
        )
        .map_err(|source| SandboxError::Kubeconfig {
            path: kubeconfig_path.clone(),
            source,
        })?;

        let controllers_stop = Arc::new(AtomicBool::new(false));
        let controllers = controllers::start(cluster.clone(), controllers_stop.clone());
        let simulation = config
            .simulation
            .clone()
            .map(|sim| sim::start(cluster.clone(), sim, controllers_stop.clone()));
        let (shutdown, shutdown_rx) = watch::channel(false);
        let api = api::ApiServer::new(cluster, token.clone());
        let server = tokio::spawn(server::serve(listener, api, tls_config, shutdown_rx));
        tracing::info!(%url, kubeconfig = %kubeconfig_path.display(), "sandbox serving");
        Ok(Self {
            url,
            kubeconfig_path,
            token,
            data_dir,
            _temp: temp,
            shutdown,
            server: Some(server),
            controllers_stop,
            controllers: Some(controllers),
            simulation,
        })
    }

    /// The API server's URL, such as `http://127.0.0.1:40123`.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn kubeconfig_path(&self) -> &Path {
        &self.kubeconfig_path
    }

    /// The bearer token every request needs.
    pub fn token(&self) -> &str {
        &self.token
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Stops serving and waits for the listener and controllers to finish.
    pub async fn shutdown(mut self) {
        self.stop_signals();
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
        for thread in [self.controllers.take(), self.simulation.take()]
            .into_iter()
            .flatten()
        {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
    }

    fn stop_signals(&self) {
        let _ = self.shutdown.send(true);
        self.controllers_stop.store(true, Ordering::Relaxed);
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.stop_signals();
    }
}

/// Opens the store in `dir` and brings the cluster to its serving state: CRDs served again,
/// the system namespaces present.
fn open_cluster(dir: &Path, history_limit: usize) -> Result<cluster::Cluster, SandboxError> {
    let store = Store::open(dir, history_limit).map_err(|source| SandboxError::Store {
        path: dir.to_path_buf(),
        source,
    })?;
    let cluster = cluster::Cluster::new(store, registry::Registry::with_builtins());
    controllers::crd::restore(&cluster);
    bootstrap::ensure_defaults(&cluster);
    Ok(cluster)
}

impl ApiServer {
    /// The API over a store in `dir`, without a listener or controllers: for driving requests
    /// in-process (fuzzing, tests of the HTTP layer without sockets).
    pub fn open(dir: &Path, token: &str) -> Result<Self, SandboxError> {
        Ok(ApiServer::new(open_cluster(dir, 1_000)?, token.to_string()))
    }
}

/// The token lives in the data folder so a restarted sandbox accepts the same kubeconfig.
fn load_or_create_token(dir: &Path) -> Result<String, SandboxError> {
    let path = dir.join("token");
    match std::fs::read_to_string(&path) {
        Ok(t) if !t.trim().is_empty() => return Ok(t.trim().to_string()),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(source) => return Err(SandboxError::Token { path, source }),
    }
    use rand::Rng;
    let mut rng = rand::rng();
    let token: String = (0..40)
        .map(|_| char::from(b"abcdefghijklmnopqrstuvwxyz0123456789"[rng.random_range(0..36)]))
        .collect();
    kubeconfig::write_private(&path, &token)
        .map_err(|source| SandboxError::Token { path, source })?;
    Ok(token)
}
