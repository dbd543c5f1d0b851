//! The fingerprint of template data: everything a template can see, fed to a hasher as serde
//! walks it, so an output whose data is unchanged is known without rendering it.
//!
//! The data is hashed as a self-delimiting stream of tagged values: every string carries its
//! length, every sequence and map its end, every struct field a tag, and a field a struct skips
//! (`skip_serializing_if`) a tag of its own, so two different values of one type never feed the
//! hasher the same bytes. Fields are known by their place, as serde gives them in the order
//! they are declared, and variants by their index: names would add nothing that tells two
//! values of one type apart, and were a third of what was hashed. A positional format without
//! tags would (postcard hashed `{modified: Some(d), published: None}` and `{modified: None,
//! published: Some(d)}` alike), and JSON, which the fingerprints were first made of, spent most
//! of its time escaping and formatting text no one reads (13 % of a warm 10,000-post build).

use std::fmt;
use std::hash::{Hash, Hasher};

use serde::Serialize;
use serde::ser::{self, SerializeSeq};

use crate::store::{Fingerprint, Hasher as FingerprintHasher};

/// The fingerprint of serializable data, seeded with `base`. Nothing is allocated but a small
/// buffer.
pub fn fingerprint_of<T: Serialize + ?Sized>(base: Fingerprint, data: &T) -> Fingerprint {
    let mut hasher = FingerprintHasher::new();
    base.hash(&mut hasher);
    let mut stream = TaggedStream {
        hasher: &mut hasher,
        pending: Vec::with_capacity(HASH_CHUNK),
    };
    // The stream itself never fails; a Serialize impl may. Its error is hashed too, so data
    // that fails differently fingerprints differently, and what failed is rendered (and
    // reported) by the template engine anyway.
    let failed = data.serialize(&mut stream).err();
    stream.flush();
    if let Some(Failed(why)) = failed {
        why.hash(&mut hasher);
    }
    hasher.finish()
}

/// Bytes a [`TaggedStream`] gathers before hashing them at once: values arrive a few bytes
/// at a time, and every call to the hasher has a fixed cost.
const HASH_CHUNK: usize = 4096;

/// What kind of value the bytes after it are; every kind has its own, so the stream parses one
/// way only.
#[repr(u8)]
#[derive(Clone, Copy)]
enum Tag {
    Bool = 1,
    Int,
    Uint,
    WideInt,
    WideUint,
    Float,
    Char,
    Str,
    Bytes,
    None,
    Some,
    Unit,
    UnitStruct,
    Variant,
    Seq,
    Element,
    Map,
    Key,
    Struct,
    Field,
    Skipped,
    End,
}

/// The serializer: feeds tagged values to the hasher through a buffer.
struct TaggedStream<'h> {
    hasher: &'h mut FingerprintHasher,
    pending: Vec<u8>,
}

impl TaggedStream<'_> {
    fn flush(&mut self) {
        self.hasher.write(&self.pending);
        self.pending.clear();
    }

    fn bytes(&mut self, bytes: &[u8]) {
        if self.pending.len() + bytes.len() > HASH_CHUNK {
            self.flush();
        }
        if bytes.len() >= HASH_CHUNK {
            self.hasher.write(bytes);
        } else {
            self.pending.extend_from_slice(bytes);
        }
    }

    /// Like [`TaggedStream::bytes`] for a length known when compiling, which is copied without
    /// a call: most of what is hashed is tags and lengths, a few bytes each.
    fn fixed<const N: usize>(&mut self, bytes: [u8; N]) {
        if self.pending.len() + N > HASH_CHUNK {
            self.flush();
        }
        self.pending.extend_from_slice(&bytes);
    }

    fn tag(&mut self, tag: Tag) {
        self.fixed([tag as u8]);
    }

    fn tagged<const N: usize>(&mut self, tag: Tag, bytes: [u8; N]) {
        self.tag(tag);
        self.fixed(bytes);
    }

    fn text(&mut self, text: &[u8]) {
        self.fixed((text.len() as u64).to_le_bytes());
        self.bytes(text);
    }

    fn variant(&mut self, index: u32) {
        self.tagged(Tag::Variant, index.to_le_bytes());
    }
}

/// An error a `Serialize` impl reported.
#[derive(Debug)]
pub struct Failed(String);

impl fmt::Display for Failed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Failed {}

impl ser::Error for Failed {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Failed(msg.to_string())
    }
}

type Done = Result<(), Failed>;

macro_rules! numbers {
    ($($method:ident: $ty:ty => $tag:expr, $bytes:expr;)*) => {
        $(fn $method(self, v: $ty) -> Done {
            self.tagged($tag, $bytes(v));
            Ok(())
        })*
    };
}

impl ser::Serializer for &mut TaggedStream<'_> {
    type Ok = ();
    type Error = Failed;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    numbers! {
        serialize_i8: i8 => Tag::Int, |v: i8| i64::from(v).to_le_bytes();
        serialize_i16: i16 => Tag::Int, |v: i16| i64::from(v).to_le_bytes();
        serialize_i32: i32 => Tag::Int, |v: i32| i64::from(v).to_le_bytes();
        serialize_i64: i64 => Tag::Int, |v: i64| v.to_le_bytes();
        serialize_i128: i128 => Tag::WideInt, |v: i128| v.to_le_bytes();
        serialize_u8: u8 => Tag::Uint, |v: u8| u64::from(v).to_le_bytes();
        serialize_u16: u16 => Tag::Uint, |v: u16| u64::from(v).to_le_bytes();
        serialize_u32: u32 => Tag::Uint, |v: u32| u64::from(v).to_le_bytes();
        serialize_u64: u64 => Tag::Uint, |v: u64| v.to_le_bytes();
        serialize_u128: u128 => Tag::WideUint, |v: u128| v.to_le_bytes();
        serialize_f32: f32 => Tag::Float, |v: f32| f64::from(v).to_bits().to_le_bytes();
        serialize_f64: f64 => Tag::Float, |v: f64| v.to_bits().to_le_bytes();
        serialize_char: char => Tag::Char, |v: char| u32::from(v).to_le_bytes();
        serialize_bool: bool => Tag::Bool, |v: bool| [u8::from(v)];
    }

    fn serialize_str(self, v: &str) -> Done {
        self.tag(Tag::Str);
        self.text(v.as_bytes());
        Ok(())
    }

    fn serialize_bytes(self, v: &[u8]) -> Done {
        self.tag(Tag::Bytes);
        self.text(v);
        Ok(())
    }

    fn serialize_none(self) -> Done {
        self.tag(Tag::None);
        Ok(())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Done {
        self.tag(Tag::Some);
        value.serialize(self)
    }

    fn serialize_unit(self) -> Done {
        self.tag(Tag::Unit);
        Ok(())
    }

    fn serialize_unit_struct(self, _: &'static str) -> Done {
        self.tag(Tag::UnitStruct);
        Ok(())
    }

    fn serialize_unit_variant(self, _: &'static str, index: u32, _: &'static str) -> Done {
        self.variant(index);
        Ok(())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &str, value: &T) -> Done {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        index: u32,
        _: &'static str,
        value: &T,
    ) -> Done {
        self.variant(index);
        value.serialize(self)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self, Failed> {
        self.tag(Tag::Seq);
        Ok(self)
    }

    fn serialize_tuple(self, _: usize) -> Result<Self, Failed> {
        self.serialize_seq(None)
    }

    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self, Failed> {
        self.serialize_seq(None)
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        index: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self, Failed> {
        self.variant(index);
        self.serialize_seq(None)
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self, Failed> {
        self.tag(Tag::Map);
        Ok(self)
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, Failed> {
        self.tag(Tag::Struct);
        Ok(self)
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        index: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self, Failed> {
        self.variant(index);
        self.serialize_struct("", 0)
    }
}

impl ser::SerializeSeq for &mut TaggedStream<'_> {
    type Ok = ();
    type Error = Failed;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Done {
        self.tag(Tag::Element);
        value.serialize(&mut **self)
    }

    fn end(self) -> Done {
        self.tag(Tag::End);
        Ok(())
    }
}

macro_rules! like_seq {
    ($($trait:ident: $method:ident;)*) => {
        $(impl ser::$trait for &mut TaggedStream<'_> {
            type Ok = ();
            type Error = Failed;

            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Done {
                SerializeSeq::serialize_element(self, value)
            }

            fn end(self) -> Done {
                SerializeSeq::end(self)
            }
        })*
    };
}

like_seq! {
    SerializeTuple: serialize_element;
    SerializeTupleStruct: serialize_field;
    SerializeTupleVariant: serialize_field;
}

impl ser::SerializeMap for &mut TaggedStream<'_> {
    type Ok = ();
    type Error = Failed;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Done {
        self.tag(Tag::Key);
        key.serialize(&mut **self)
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Done {
        value.serialize(&mut **self)
    }

    fn end(self) -> Done {
        SerializeSeq::end(self)
    }
}

macro_rules! like_struct {
    ($($trait:ident;)*) => {
        $(impl ser::$trait for &mut TaggedStream<'_> {
            type Ok = ();
            type Error = Failed;

            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                _: &'static str,
                value: &T,
            ) -> Done {
                self.tag(Tag::Field);
                value.serialize(&mut **self)
            }

            fn skip_field(&mut self, _: &'static str) -> Done {
                self.tag(Tag::Skipped);
                Ok(())
            }

            fn end(self) -> Done {
                SerializeSeq::end(self)
            }
        })*
    };
}

like_struct! {
    SerializeStruct;
    SerializeStructVariant;
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[derive(Serialize)]
    struct Data {
        title: &'static str,
        weight: Option<i64>,
    }

    #[derive(Serialize)]
    struct Dates {
        #[serde(skip_serializing_if = "Option::is_none")]
        modified: Option<&'static str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        published: Option<&'static str>,
    }

    #[derive(Serialize)]
    enum Shape {
        Dot,
        Line(u8),
        Box { side: u8 },
    }

    #[test]
    fn every_field_changes_the_fingerprint() {
        let data = |title, weight| Data { title, weight };
        let a = fingerprint_of(0, &data("a", None));
        assert_eq!(a, fingerprint_of(0, &data("a", None)));
        assert_ne!(a, fingerprint_of(0, &data("b", None)));
        assert_ne!(a, fingerprint_of(0, &data("a", Some(1))));
        assert_ne!(a, fingerprint_of(1, &data("a", None)));
    }

    #[test]
    fn a_skipped_field_is_told_from_its_neighbour() {
        let dates = |modified, published| Dates {
            modified,
            published,
        };
        let prints = [
            fingerprint_of(0, &dates(Some("2026"), None)),
            fingerprint_of(0, &dates(None, Some("2026"))),
            fingerprint_of(0, &dates(None, None)),
            fingerprint_of(0, &dates(Some("2026"), Some("2026"))),
        ];
        for (i, a) in prints.iter().enumerate() {
            for b in &prints[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }

    #[test]
    fn boundaries_between_values_are_part_of_the_fingerprint() {
        let pairs: [(Vec<&str>, Vec<&str>); 3] = [
            (vec!["ab", "c"], vec!["a", "bc"]),
            (vec!["a", ""], vec!["a"]),
            (vec![], vec![""]),
        ];
        for (a, b) in pairs {
            assert_ne!(fingerprint_of(0, &a), fingerprint_of(0, &b), "{a:?}");
        }
        let nested: [Vec<Vec<u8>>; 2] = [vec![vec![1], vec![]], vec![vec![], vec![1]]];
        assert_ne!(fingerprint_of(0, &nested[0]), fingerprint_of(0, &nested[1]));
        let some_none: Option<Option<u8>> = Some(None);
        assert_ne!(
            fingerprint_of(0, &some_none),
            fingerprint_of(0, &None::<u8>)
        );
        let maps = [
            BTreeMap::from([("a", "b"), ("c", "")]),
            BTreeMap::from([("a", ""), ("bc", "")]),
        ];
        assert_ne!(fingerprint_of(0, &maps[0]), fingerprint_of(0, &maps[1]));
    }

    #[derive(Serialize)]
    struct Pair {
        first: &'static str,
        second: &'static str,
    }

    #[test]
    fn fields_are_told_apart_by_their_place() {
        let pair = |first, second| fingerprint_of(0, &Pair { first, second });
        assert_ne!(pair("x", ""), pair("", "x"));
        assert_ne!(pair("x", "y"), pair("y", "x"));
    }

    #[test]
    fn variants_and_numbers_of_one_value_differ() {
        let shapes = [
            fingerprint_of(0, &Shape::Dot),
            fingerprint_of(0, &Shape::Line(0)),
            fingerprint_of(0, &Shape::Line(1)),
            fingerprint_of(0, &Shape::Box { side: 0 }),
        ];
        for (i, a) in shapes.iter().enumerate() {
            for b in &shapes[i + 1..] {
                assert_ne!(a, b);
            }
        }
        assert_ne!(fingerprint_of(0, &1u8), fingerprint_of(0, &1i8));
        assert_ne!(fingerprint_of(0, &1.0f64), fingerprint_of(0, &1u64));
        assert_ne!(fingerprint_of(0, &1u64), fingerprint_of(0, &1u128));
        assert_ne!(fingerprint_of(0, &-1i64), fingerprint_of(0, &-1i128));
    }

    #[test]
    fn text_longer_than_the_buffer_is_hashed_whole() {
        let long = "é\"x".repeat(3 * HASH_CHUNK);
        let mut changed = long.clone();
        changed.replace_range(2 * HASH_CHUNK + 2..2 * HASH_CHUNK + 3, "y");
        let print = |text: &str| fingerprint_of(0, &vec![text, "tail", text]);
        assert_eq!(print(&long), print(&long.clone()));
        assert_ne!(print(&long), print(&changed));
    }
}
