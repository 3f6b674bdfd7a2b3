//! `TimestampRouter`: rename the topic from the original topic and the record's timestamp.
//!
//! Connect compat: `org.apache.kafka.connect.transforms.TimestampRouter`. `topic.format`
//! (default `${topic}-${timestamp}`) has every `${topic}` replaced by the topic and then every
//! `${timestamp}` by the record timestamp formatted with `timestamp.format` (a `SimpleDateFormat`
//! pattern, default `yyyyMMdd`, in UTC). A record without a timestamp fails with
//! `Timestamp missing on record: <record>`. Unlike Connect, which compiles the pattern lazily on
//! the first record, an invalid `timestamp.format` is rejected at configuration time.

use crate::data::display::java_record_to_string;
use crate::data::Record;
use crate::errors::TransformError;
use crate::smt::config::{self, Props};
use crate::smt::datetime::DateFormat;
use crate::smt::Transform;

/// Config key of the new topic's template.
pub const TOPIC_FORMAT_CONFIG: &str = "topic.format";
/// Default of [`TOPIC_FORMAT_CONFIG`].
pub const TOPIC_FORMAT_DEFAULT: &str = "${topic}-${timestamp}";
/// Config key of the timestamp's `SimpleDateFormat` pattern.
pub const TIMESTAMP_FORMAT_CONFIG: &str = "timestamp.format";
/// Default of [`TIMESTAMP_FORMAT_CONFIG`].
pub const TIMESTAMP_FORMAT_DEFAULT: &str = "yyyyMMdd";

/// A configured `TimestampRouter`.
#[derive(Debug, Clone)]
pub struct TimestampRouter {
    topic_format: String,
    timestamp_format: DateFormat,
}

impl TimestampRouter {
    /// Builds the router from its configuration.
    ///
    /// # Errors
    /// [`TransformError::Config`] when `timestamp.format` is not a supported `SimpleDateFormat` pattern.
    pub fn new(props: &Props) -> Result<Self, TransformError> {
        let topic_format = config::optional(props, TOPIC_FORMAT_CONFIG).unwrap_or(TOPIC_FORMAT_DEFAULT);
        let pattern = config::optional(props, TIMESTAMP_FORMAT_CONFIG).unwrap_or(TIMESTAMP_FORMAT_DEFAULT);
        let timestamp_format = DateFormat::new(pattern)
            .map_err(|e| TransformError::invalid(TIMESTAMP_FORMAT_CONFIG, pattern, e))?;
        Ok(Self { topic_format: topic_format.to_owned(), timestamp_format })
    }

    /// The topic a record with `topic` and `timestamp` (epoch millis) is routed to.
    pub fn route(&self, topic: &str, timestamp: i64) -> String {
        let formatted = self.timestamp_format.format(timestamp);
        // Two passes as in Connect: a "${timestamp}" inside the topic name is replaced too.
        self.topic_format.replace("${topic}", topic).replace("${timestamp}", &formatted)
    }
}

impl Transform for TimestampRouter {
    fn apply(&self, mut record: Record) -> Result<Option<Record>, TransformError> {
        let Some(timestamp) = record.timestamp else {
            return Err(TransformError::data(format!(
                "Timestamp missing on record: {}",
                java_record_to_string(&record)
            )));
        };
        record.topic = self.route(&record.topic, timestamp);
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn router(pairs: &[(&str, &str)]) -> Result<TimestampRouter, TransformError> {
        TimestampRouter::new(&pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect())
    }

    #[test]
    fn default_configuration() {
        // TimestampRouterTest.defaultConfiguration.
        let record = Record {
            topic: "test".into(),
            partition: Some(0),
            timestamp: Some(1_483_425_001_864),
            ..Record::default()
        };
        let out = router(&[]).unwrap().apply(record.clone()).unwrap().unwrap();
        assert_eq!(out.topic, "test-20170103");
        assert_eq!(Record { topic: "test".into(), ..out }, record);
    }

    #[test]
    fn custom_formats_are_utc() {
        let r = router(&[
            ("topic.format", "${timestamp}/${topic}/${topic}"),
            ("timestamp.format", "yyyy-MM-dd'T'HH"),
        ])
        .unwrap();
        assert_eq!(r.route("orders", 1_483_425_001_864), "2017-01-03T06/orders/orders");
        assert_eq!(r.route("orders", -1), "1969-12-31T23/orders/orders");
        // The timestamp pass runs over the result of the topic pass.
        let r = router(&[("topic.format", "${topic}")]).unwrap();
        assert_eq!(r.route("a-${timestamp}", 0), "a-19700101");
    }

    #[test]
    fn missing_timestamp_fails_with_the_record() {
        let record = Record { topic: "test".into(), partition: Some(0), ..Record::default() };
        let err = router(&[]).unwrap().apply(record).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Timestamp missing on record: ConnectRecord{topic='test', kafkaPartition=0, key=null, keySchema=null, \
             value=null, valueSchema=null, timestamp=null, headers=ConnectHeaders(headers=)}"
        );
    }

    #[test]
    fn registry_builds_the_type_changing_transforms() {
        use crate::smt::registry::build_transform;
        let props: Props = [("spec", "int8"), ("target.type", "unix")]
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        for name in [
            "org.apache.kafka.connect.transforms.Cast$Value",
            "Cast$Key",
            "org.apache.kafka.connect.transforms.Flatten$Value",
            "TimestampConverter$Key",
            "org.apache.kafka.connect.transforms.TimestampRouter",
        ] {
            assert!(build_transform(name, &props).is_ok(), "{name}");
        }
        assert!(build_transform("Cast", &props).is_err());
        assert!(build_transform("TimestampRouter$Value", &props).is_err());
    }

    #[test]
    fn bad_pattern_is_a_config_error() {
        let err = router(&[("timestamp.format", "yyyyMMdd-q")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Invalid value yyyyMMdd-q for configuration timestamp.format: Illegal pattern character 'q'"
        );
    }
}
