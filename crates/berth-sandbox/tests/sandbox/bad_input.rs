//! Bad requests get the real error statuses, never a panic or a hang.

use crate::support::TestCluster;
use http::{Method, Request};
use serde_json::Value;

async fn call(
    client: &kube::Client,
    method: Method,
    path: &str,
    content_type: &str,
    body: &[u8],
) -> (u16, Value) {
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", content_type)
        .body(body.to_vec())
        .expect("request");
    match client.request_text(req).await {
        Ok(text) => (200, serde_json::from_str(&text).unwrap_or(Value::Null)),
        Err(kube::Error::Api(status)) => (
            status.code,
            serde_json::to_value(&*status).unwrap_or(Value::Null),
        ),
        Err(other) => panic!("transport error for {path}: {other}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_and_mismatched_requests() {
    let c = TestCluster::start().await;
    let client = c.client().await;
    let cms = "/api/v1/namespaces/default/configmaps";

    let (code, status) = call(&client, Method::POST, cms, "application/json", b"{not json").await;
    assert_eq!(code, 400, "{status}");
    assert_eq!(status["reason"], "BadRequest");

    let (code, status) = call(
        &client,
        Method::POST,
        cms,
        "application/json",
        br#"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"x"}}"#,
    )
    .await;
    assert_eq!(code, 400, "{status}");
    assert!(
        status["message"]
            .as_str()
            .unwrap_or("")
            .contains("does not match the expected kind"),
        "{status}"
    );

    let (code, status) = call(
        &client,
        Method::POST,
        cms,
        "application/json",
        br#"{"apiVersion":"apps/v1","kind":"ConfigMap","metadata":{"name":"x"}}"#,
    )
    .await;
    assert_eq!(code, 400, "{status}");

    let (code, status) = call(
        &client,
        Method::POST,
        cms,
        "application/json",
        br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"UPPER"}}"#,
    )
    .await;
    assert_eq!(code, 422, "{status}");
    assert_eq!(status["reason"], "Invalid");
    assert_eq!(status["details"]["causes"][0]["field"], "metadata.name");

    let (code, status) = call(
        &client,
        Method::POST,
        cms,
        "application/json",
        br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{}}"#,
    )
    .await;
    assert_eq!(code, 422, "{status}");

    let (code, status) = call(
        &client,
        Method::POST,
        "/api/v1/namespaces/ghost/configmaps",
        "application/json",
        br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}"#,
    )
    .await;
    assert_eq!(code, 404, "{status}");
    assert_eq!(status["message"], "namespaces \"ghost\" not found");

    let (code, status) = call(
        &client,
        Method::GET,
        "/api/v1/namespaces/default/widgets",
        "application/json",
        b"",
    )
    .await;
    assert_eq!(code, 404, "{status}");
    let (code, _) = call(
        &client,
        Method::GET,
        "/apis/nope.example.com/v1",
        "application/json",
        b"",
    )
    .await;
    assert_eq!(code, 404);

    let (code, status) = call(
        &client,
        Method::GET,
        &format!("{cms}?labelSelector=a%20in%20("),
        "application/json",
        b"",
    )
    .await;
    assert_eq!(code, 400, "{status}");

    let (code, status) = call(
        &client,
        Method::PATCH,
        &format!("{cms}/kube-root"),
        "application/merge-patch+json",
        b"{}",
    )
    .await;
    assert_eq!(code, 404, "{status}");

    let (code, status) = call(
        &client,
        Method::GET,
        &format!("{cms}?watch=1&resourceVersion=abc"),
        "application/json",
        b"",
    )
    .await;
    assert_eq!(code, 400, "{status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_without_the_token_are_refused() {
    let c = TestCluster::start().await;
    let kubeconfig = std::fs::read_to_string(c.kubeconfig()).expect("kubeconfig");
    let tampered = kubeconfig.replace(c.sandbox.token(), "wrong-token");
    let path = c.home.path().join("bad-kubeconfig");
    std::fs::write(&path, tampered).expect("write");
    let config = kube::Config::from_custom_kubeconfig(
        kube::config::Kubeconfig::read_from(&path).expect("parse"),
        &Default::default(),
    )
    .await
    .expect("config");
    let client = kube::Client::try_from(config).expect("client");
    let err = client.apiserver_version().await.expect_err("refused");
    assert!(
        matches!(err, kube::Error::Api(s) if s.code == 401),
        "wrong token gets 401"
    );
    // Health endpoints answer without a token.
    let req = Request::builder()
        .uri("/readyz")
        .body(Vec::new())
        .expect("request");
    assert_eq!(client.request_text(req).await.expect("readyz open"), "ok");
}

/// A small deterministic generator (xorshift) so the random cases are the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

/// Mutates realistic requests (paths, queries, bodies) at random and drives them through the
/// API in-process: every one gets an answer, none panics. The cargo-fuzz target
/// `fuzz/fuzz_targets/request.rs` explores the same surface without bounds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_requests_never_panic() {
    let dir = tempfile::tempdir().expect("dir");
    let server = berth_sandbox::ApiServer::open(dir.path(), "t").expect("api server");
    let paths = [
        "/api/v1/namespaces/default/configmaps",
        "/api/v1/namespaces/default/configmaps/x",
        "/api/v1/namespaces/default/configmaps/x/status",
        "/apis/apps/v1/namespaces/default/deployments/x/scale",
        "/api/v1/namespaces/x/finalize",
        "/api/v1/namespaces",
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
        "/api/v1/watch/namespaces/default/pods",
        "/openapi/v3/apis/apps/v1",
        "/apis",
        "/api/v1/nodes/n",
    ];
    let queries = [
        "",
        "?watch=1&resourceVersion=0&timeoutSeconds=0",
        "?limit=1&continue=%zz",
        "?labelSelector=a+in+(b",
        "?fieldSelector=x%3Dy",
        "?dryRun=All",
        "?fieldValidation=Strict",
        "?resourceVersion=9999999999999999999999&watch=true",
        "?limit=-1",
    ];
    let bodies = [
        r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"data":{"a":"b"}}"#,
        r#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"x"},"spec":{"replicas":-1,"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}"#,
        r#"{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"as.b.c"},"spec":{"group":"b.c","names":{"plural":"as","kind":"A"},"scope":"Namespaced","versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object"}}}]}}"#,
        r#"[{"op":"add","path":"/metadata/labels","value":{"a":"b"}}]"#,
        r#"{"spec":{"replicas":3}}"#,
        r#"{"metadata":{"finalizers":["a/b"]},"spec":{"finalizers":[]}}"#,
    ];
    let methods = ["GET", "POST", "PUT", "PATCH", "DELETE"];
    let types = [
        "application/json",
        "application/yaml",
        "application/merge-patch+json",
        "application/json-patch+json",
        "application/strategic-merge-patch+json",
        "text/plain",
        "application/vnd.kubernetes.protobuf",
    ];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for case in 0..3000 {
        let mut body = rng.pick(&bodies).as_bytes().to_vec();
        // Flip, drop or duplicate a few bytes.
        for _ in 0..(rng.next() % 4) {
            if body.is_empty() {
                break;
            }
            let i = (rng.next() % body.len() as u64) as usize;
            match rng.next() % 3 {
                0 => body[i] = (rng.next() & 0xff) as u8,
                1 => {
                    body.remove(i);
                }
                _ => body.insert(i, body[i]),
            }
        }
        let uri = format!("{}{}", rng.pick(&paths), rng.pick(&queries));
        let request = Request::builder()
            .method(rng.pick(&methods))
            .uri(&uri)
            .header("authorization", "Bearer t")
            .header("content-type", rng.pick(&types))
            .body(bytes::Bytes::from(body))
            .expect("request");
        let answer =
            tokio::time::timeout(std::time::Duration::from_secs(5), server.handle(request)).await;
        let response = answer.unwrap_or_else(|_| panic!("case {case}: {uri} did not answer"));
        let code = response.status().as_u16();
        assert_ne!(code, 500, "case {case}: {uri} is an internal error");
        if code >= 400 {
            use http_body_util::BodyExt;
            let body = response
                .into_body()
                .collect()
                .await
                .expect("body")
                .to_bytes();
            let status: serde_json::Value =
                serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
            assert_eq!(
                status["kind"],
                "Status",
                "case {case}: {uri} error body {}",
                String::from_utf8_lossy(&body)
            );
            assert_eq!(status["code"], code, "case {case}");
        }
    }
}
