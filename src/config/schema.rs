//! Every key the config file accepts, read from the raw serde structs
//! themselves, so that a list of keys (the example config's test, `check`)
//! is never a hand-written copy that can drift.
//!
//! serde's derive hands each struct's field names to the deserializer; a
//! deserializer that records them and stops is all it takes. Nothing here
//! reads a file or validates a value.

use serde::de::{self, Deserialize, Deserializer, Visitor};

use super::{alerts, learn, sources, watches, web, RawConfig, RawHttp, RawSchedule, RawStorage};

/// Each table of the file (`source.fields` for a nested one) with the keys
/// it accepts, in the order of the file's top level.
pub fn schema() -> Vec<(&'static str, &'static [&'static str])> {
    vec![
        ("", keys::<RawConfig>()),
        ("storage", keys::<RawStorage>()),
        ("http", keys::<RawHttp>()),
        ("schedule", keys::<RawSchedule>()),
        ("watch", keys::<watches::RawWatch>()),
        ("source", keys::<sources::RawSource>()),
        ("source.fields", keys::<sources::RawFields>()),
        ("source.selectors", keys::<sources::RawSelectors>()),
        ("daemon", keys::<alerts::RawDaemon>()),
        ("delivery", keys::<alerts::RawDelivery>()),
        ("notifier", keys::<alerts::RawNotifier>()),
        ("route", keys::<alerts::RawRoute>()),
        ("route.spike", keys::<alerts::RawSpike>()),
        ("web", keys::<web::RawWeb>()),
        ("learn", keys::<learn::RawLearn>()),
    ]
}

/// The field names serde's derive gives for `T`.
fn keys<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    let mut fields = None;
    // The tracer always ends in an error, after recording the fields.
    let _ = T::deserialize(Tracer(&mut fields));
    fields.unwrap_or_default()
}

/// A deserializer that records the fields of the struct asked for.
struct Tracer<'a>(&'a mut Option<&'static [&'static str]>);

impl<'de> Deserializer<'de> for Tracer<'_> {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("not a struct"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        *self.0 = Some(fields);
        Err(de::Error::custom("traced"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier ignored_any
    }
}
