//! The protobuf wire format: varints, keys and length-delimited payloads, read without panics.

use super::ProtobufError;

/// One field occurrence's raw value, by wire type (the low three bits of its key).
#[derive(Debug, Clone, Copy)]
pub enum WireValue<'a> {
    Varint(u64),
    Fixed64(u64),
    Len(&'a [u8]),
    /// No Kubernetes field is fixed32: the value is only skipped.
    Fixed32,
}

/// Iterates the fields of one message; stops at the first malformed byte with an error.
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    /// The next `(field number, value)`, or `None` at the end of the message.
    pub fn next_field(&mut self) -> Result<Option<(u32, WireValue<'a>)>, ProtobufError> {
        if self.pos >= self.buf.len() {
            return Ok(None);
        }
        let key = self.varint()?;
        let number = key >> 3;
        // Field numbers are 1..=2^29-1; zero or larger is not a valid key.
        if number == 0 || number > 0x1fff_ffff {
            return Err(ProtobufError::Malformed("invalid field number"));
        }
        let value = match key & 7 {
            0 => WireValue::Varint(self.varint()?),
            1 => WireValue::Fixed64(u64::from_le_bytes(self.fixed::<8>()?)),
            2 => {
                let len = self.varint()?;
                let len = usize::try_from(len).map_err(|_| ProtobufError::Truncated)?;
                let end = self.pos.checked_add(len).ok_or(ProtobufError::Truncated)?;
                let bytes = self
                    .buf
                    .get(self.pos..end)
                    .ok_or(ProtobufError::Truncated)?;
                self.pos = end;
                WireValue::Len(bytes)
            }
            5 => {
                self.fixed::<4>()?;
                WireValue::Fixed32
            }
            // Groups (3, 4) never occur in Kubernetes messages; 6 and 7 are not wire types.
            _ => return Err(ProtobufError::Malformed("unsupported wire type")),
        };
        Ok(Some((number as u32, value)))
    }

    /// Reads one base-128 varint (at most ten bytes).
    pub fn varint(&mut self) -> Result<u64, ProtobufError> {
        let mut value: u64 = 0;
        for i in 0..10 {
            let byte = *self.buf.get(self.pos).ok_or(ProtobufError::Truncated)?;
            self.pos += 1;
            value |= u64::from(byte & 0x7f) << (7 * i);
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(ProtobufError::Malformed("varint longer than ten bytes"))
    }

    fn fixed<const N: usize>(&mut self) -> Result<[u8; N], ProtobufError> {
        let end = self.pos.checked_add(N).ok_or(ProtobufError::Truncated)?;
        let bytes = self
            .buf
            .get(self.pos..end)
            .ok_or(ProtobufError::Truncated)?;
        self.pos = end;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    pub fn at_end(&self) -> bool {
        self.pos >= self.buf.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_keys_and_values() {
        // field 1 varint 150, field 2 "hi", field 3 fixed32, field 4 fixed64
        let buf = [
            0x08, 0x96, 0x01, 0x12, 0x02, b'h', b'i', 0x1d, 1, 0, 0, 0, 0x21, 2, 0, 0, 0, 0, 0, 0,
            0,
        ];
        let mut r = Reader::new(&buf);
        assert!(matches!(
            r.next_field(),
            Ok(Some((1, WireValue::Varint(150))))
        ));
        assert!(matches!(
            r.next_field(),
            Ok(Some((2, WireValue::Len(b"hi"))))
        ));
        assert!(matches!(r.next_field(), Ok(Some((3, WireValue::Fixed32)))));
        assert!(matches!(
            r.next_field(),
            Ok(Some((4, WireValue::Fixed64(2))))
        ));
        assert!(matches!(r.next_field(), Ok(None)));
    }

    #[test]
    fn rejects_truncation_and_bad_keys() {
        assert!(Reader::new(&[0x12, 0x05, b'a']).next_field().is_err());
        assert!(Reader::new(&[0x08]).next_field().is_err());
        assert!(Reader::new(&[0x00, 0x00]).next_field().is_err());
        assert!(Reader::new(&[0x0b]).next_field().is_err());
        assert!(
            Reader::new(&[
                0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01
            ])
            .next_field()
            .is_err()
        );
    }
}
