//! A chart file's contents, in memory or read from disk the first time they are needed.

use std::fmt;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;

/// A file's bytes. Large charts carry megabytes that no template reads (kube-prometheus-stack
/// has 4.4 MB of CRDs and docs), so a loader may defer reading them: a deferred file is read
/// once, by whichever thread first asks, and shared by every clone.
#[derive(Clone)]
pub struct FileData(Repr);

#[derive(Clone)]
enum Repr {
    Ready(Bytes),
    Deferred(Arc<Deferred>),
}

type Reader = dyn Fn() -> Result<Bytes, String> + Send + Sync;

struct Deferred {
    read: Box<Reader>,
    result: OnceLock<Result<Bytes, String>>,
}

impl FileData {
    /// Contents that `read` produces when first asked for; its error says why the file could
    /// not be read.
    pub fn deferred(read: impl Fn() -> Result<Bytes, String> + Send + Sync + 'static) -> Self {
        FileData(Repr::Deferred(Arc::new(Deferred {
            read: Box::new(read),
            result: OnceLock::new(),
        })))
    }

    /// The contents, read now if they were deferred.
    pub fn get(&self) -> Result<&Bytes, &str> {
        match &self.0 {
            Repr::Ready(b) => Ok(b),
            Repr::Deferred(d) => d
                .result
                .get_or_init(|| (d.read)())
                .as_ref()
                .map_err(|e| &**e),
        }
    }

    /// The contents, or nothing when they could not be read: for readers with no way to
    /// report an error, whose caller then checks [`FileData::read_error`].
    pub fn get_or_empty(&self) -> &[u8] {
        self.get().map_or(&[], |b| b)
    }

    /// Why reading failed, if a deferred read was tried and failed.
    pub fn read_error(&self) -> Option<&str> {
        match &self.0 {
            Repr::Ready(_) => None,
            Repr::Deferred(d) => d.result.get()?.as_ref().err().map(|e| &**e),
        }
    }
}

impl From<Bytes> for FileData {
    fn from(b: Bytes) -> Self {
        FileData(Repr::Ready(b))
    }
}

impl From<Vec<u8>> for FileData {
    fn from(b: Vec<u8>) -> Self {
        FileData(Repr::Ready(b.into()))
    }
}

impl From<&'static str> for FileData {
    fn from(s: &'static str) -> Self {
        FileData(Repr::Ready(Bytes::from_static(s.as_bytes())))
    }
}

impl PartialEq for FileData {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl Eq for FileData {}

impl fmt::Debug for FileData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Ready(b) => b.fmt(f),
            Repr::Deferred(d) => match d.result.get() {
                Some(r) => r.fmt(f),
                None => f.write_str("<not read yet>"),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn deferred_contents_are_read_once_and_shared_by_clones() {
        let reads = Arc::new(AtomicUsize::new(0));
        let counter = reads.clone();
        let data = FileData::deferred(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            Ok(Bytes::from_static(b"kind: CustomResourceDefinition\n"))
        });
        let copy = data.clone();
        assert_eq!(reads.load(Ordering::SeqCst), 0, "nothing is read up front");
        assert_eq!(
            &data.get().expect("read")[..],
            b"kind: CustomResourceDefinition\n"
        );
        assert_eq!(copy.get_or_empty(), b"kind: CustomResourceDefinition\n");
        assert_eq!(reads.load(Ordering::SeqCst), 1);
        assert_eq!(data.read_error(), None);
    }

    #[test]
    fn a_failed_read_is_remembered_with_its_reason() {
        let data = FileData::deferred(|| Err("permission denied".into()));
        assert_eq!(data.read_error(), None, "not tried yet");
        assert_eq!(data.get_or_empty(), b"");
        assert_eq!(data.read_error(), Some("permission denied"));
        assert_eq!(data.get(), Err("permission denied"));
    }

    #[test]
    fn ready_and_deferred_contents_compare_by_bytes() {
        let ready = FileData::from("a: 1\n");
        assert_eq!(
            ready,
            FileData::deferred(|| Ok(Bytes::from_static(b"a: 1\n")))
        );
        assert_ne!(ready, FileData::from("a: 2\n"));
    }
}
