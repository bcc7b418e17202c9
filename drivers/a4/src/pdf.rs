//! The document bytes a print job carries.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use zeroize::Zeroizing;

/// A PDF shared by a job and its backends without copies, and wiped when the last holder
/// drops it. A plain `Arc<[u8]>` cannot be zeroized on drop (and building one from a
/// wiped buffer leaves an unwiped copy on the heap), so the buffer is an
/// `Arc<Zeroizing<Vec<u8>>>`: the very allocation the caller downloaded into.
#[derive(Clone, Default)]
pub struct SharedPdf(Arc<Zeroizing<Vec<u8>>>);

impl SharedPdf {
    /// Whether this is `buffer` itself (not a copy of it).
    pub fn is(&self, buffer: &Arc<Zeroizing<Vec<u8>>>) -> bool {
        Arc::ptr_eq(&self.0, buffer)
    }
}

impl Deref for SharedPdf {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.0.as_slice()
    }
}

impl AsRef<[u8]> for SharedPdf {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

/// Takes the buffer over; no copy.
impl From<Arc<Zeroizing<Vec<u8>>>> for SharedPdf {
    fn from(buffer: Arc<Zeroizing<Vec<u8>>>) -> Self {
        SharedPdf(buffer)
    }
}

/// Takes the buffer over; no copy.
impl From<Zeroizing<Vec<u8>>> for SharedPdf {
    fn from(buffer: Zeroizing<Vec<u8>>) -> Self {
        SharedPdf(Arc::new(buffer))
    }
}

/// Takes the vector over (no copy) and wipes it from then on.
impl From<Vec<u8>> for SharedPdf {
    fn from(bytes: Vec<u8>) -> Self {
        SharedPdf(Arc::new(Zeroizing::new(bytes)))
    }
}

impl fmt::Debug for SharedPdf {
    // Never document bytes in logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SharedPdf({} bytes)", self.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_and_conversions_share_one_wiped_buffer() {
        let downloaded = Arc::new(Zeroizing::new(b"%PDF-1.7\n".to_vec()));
        let pdf = SharedPdf::from(downloaded.clone());
        let again = pdf.clone();
        assert!(pdf.is(&downloaded) && again.is(&downloaded));
        assert_eq!(again.as_ptr(), downloaded.as_ptr());
        assert_eq!(&pdf[..], b"%PDF-1.7\n");
        // Taking a vector over keeps its allocation.
        let bytes = b"%PDF-2.0\n".to_vec();
        let at = bytes.as_ptr();
        assert_eq!(SharedPdf::from(bytes).as_ptr(), at);
    }
}
