//! Any request the API server can receive: method, path with query, content type and body are
//! taken from the input. The server must answer every one of them, never panic.
#![no_main]

use berth_sandbox::ApiServer;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

struct Harness {
    runtime: tokio::runtime::Runtime,
    server: ApiServer,
    _dir: tempfile::TempDir,
}

fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let server = ApiServer::open(dir.path(), "token").expect("api server");
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
        Harness { runtime, server, _dir: dir }
    })
}

const METHODS: [&str; 6] = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
const TYPES: [&str; 6] = [
    "application/json",
    "application/yaml",
    "application/merge-patch+json",
    "application/json-patch+json",
    "application/strategic-merge-patch+json",
    "application/vnd.kubernetes.protobuf",
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    // Input layout: selector byte, then `path\nbody`.
    let (path, body) = match rest.iter().position(|b| *b == b'\n') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, &[][..]),
    };
    let path = String::from_utf8_lossy(path);
    let path = if path.starts_with('/') { path.into_owned() } else { format!("/{path}") };
    let Ok(uri) = path.parse::<http::Uri>() else { return };
    let request = http::Request::builder()
        .method(METHODS[usize::from(selector) % METHODS.len()])
        .uri(uri)
        .header("authorization", "Bearer token")
        .header("content-type", TYPES[usize::from(selector >> 3) % TYPES.len()])
        .body(bytes::Bytes::copy_from_slice(body));
    let Ok(request) = request else { return };
    let h = harness();
    // Watches stream forever; only their first answer matters here.
    let _ = h.runtime.block_on(async {
        tokio::time::timeout(std::time::Duration::from_millis(200), h.server.handle(request)).await
    });
});
