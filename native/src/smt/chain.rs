//! The transform chain: a connector's `transforms` list, built once and applied to every record.
//!
//! Connect compat: `org.apache.kafka.connect.runtime.TransformationChain` and
//! `TransformationStage`. Stages run in configuration order; a stage with a predicate runs its
//! transform only when `negate XOR predicate.test(record)` holds and otherwise passes the record on
//! untouched; a transform returning null drops the record and ends the chain. Configuration errors
//! name the key as Connect's enriched connector config does (`transforms.<alias>.<key>`,
//! `predicates.<alias>.<key>`), so they read like Connect's validation messages.

use std::fmt;

use crate::data::Record;
use crate::errors::TransformError;

use super::config::Props;
use super::fields;
use super::registry::{build_predicate, build_transform};
use super::{headers, mask_field, replace_field, value_to_key, Leftovers, Predicate, Transform};

/// Connect's package prefix for transform class names.
const TRANSFORMS_PACKAGE: &str = "org.apache.kafka.connect.transforms.";

/// A predicate as configured under `predicates.<alias>.*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PredicateConfig {
    /// The predicate's alias (an item of the connector's `predicates` list).
    pub alias: String,
    /// Its class name, Connect's (`org.apache.kafka.connect.transforms.predicates.HasHeaderKey`)
    /// or short (`HasHeaderKey`).
    pub type_name: String,
    /// Its configuration with the `predicates.<alias>.` prefix removed (and without `type`).
    pub props: Props,
}

/// One stage as configured under `transforms.<alias>.*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageConfig {
    /// The transform's alias (an item of the connector's `transforms` list).
    pub alias: String,
    /// Its class name, Connect's (`org.apache.kafka.connect.transforms.MaskField$Value`) or short.
    pub type_name: String,
    /// Its configuration with the `transforms.<alias>.` prefix removed (and without `type`,
    /// `predicate` and `negate`).
    pub props: Props,
    /// The predicate named by `transforms.<alias>.predicate`, if any.
    pub predicate: Option<PredicateConfig>,
    /// `transforms.<alias>.negate`: run the transform when the predicate is false instead.
    pub negate: bool,
}

impl StageConfig {
    /// A stage without a predicate, from `(key, value)` property pairs (tests and benchmarks).
    #[must_use]
    pub fn unguarded(alias: &str, type_name: &str, props: &[(&str, &str)]) -> Self {
        Self {
            alias: alias.to_owned(),
            type_name: type_name.to_owned(),
            props: props.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
            predicate: None,
            negate: false,
        }
    }
}

/// Why the chain could not be built or could not transform a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainError {
    /// Where it happened: `transformation <alias>` or `predicate <alias>`.
    pub stage: String,
    /// For configuration errors, the full config key (`transforms.<alias>.<key>`); `None` for
    /// errors on a record.
    pub key: Option<String>,
    /// Connect's message, with config keys prefixed as in Connect's connector validation.
    pub message: String,
}

impl fmt::Display for ChainError {
    #[cold]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.stage, self.message)
    }
}

impl std::error::Error for ChainError {}

impl ChainError {
    /// A configuration error of the stage `stage`, whose keys live under `prefix`.
    fn config(stage: String, prefix: &str, error: TransformError) -> Self {
        match error {
            TransformError::Config { key, message } => {
                let full = format!("{prefix}{key}");
                // Connect's texts name the key in one of three ways; name the prefixed key instead.
                let message = [
                    (format!("for configuration {key}:"), format!("for configuration {full}:")),
                    (format!("\"{key}\""), format!("\"{full}\"")),
                    (format!("Configuration '{key}'"), format!("Configuration '{full}'")),
                ]
                .iter()
                .find(|(plain, _)| message.contains(plain.as_str()))
                .map_or_else(
                    || message.clone(),
                    |(plain, prefixed)| message.replacen(plain.as_str(), prefixed, 1),
                );
                Self { stage, key: Some(full), message }
            }
            TransformError::Data(message) => Self { stage, key: None, message },
        }
    }
}

/// What became of one record of a batch.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The transformed record.
    Record(Record),
    /// A transform (usually `Filter`) dropped the record.
    Dropped,
    /// A transform failed; the record is not returned (the caller still holds its original).
    Failed(ChainError),
}

/// A built stage.
struct Stage {
    /// `transformation <alias>`, ready for errors.
    name: String,
    transform: Box<dyn Transform>,
    predicate: Option<Box<dyn Predicate>>,
    negate: bool,
}

impl Stage {
    /// Whether the transform runs on `record`: always without a predicate, else when
    /// `negate XOR predicate.test(record)`.
    fn applies_to(&self, record: &Record) -> bool {
        self.predicate.as_ref().is_none_or(|predicate| self.negate ^ predicate.test(record))
    }
}

impl fmt::Debug for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stage")
            .field("name", &self.name)
            .field("predicate", &self.predicate.is_some())
            .field("negate", &self.negate)
            .finish_non_exhaustive()
    }
}

/// A connector's transforms, built once from configuration and shared by every record of a task.
///
/// `apply` and `apply_batch` take `&self` and the chain is `Send + Sync`, so one chain can serve
/// several threads; the only shared mutable state is each transform's small schema cache.
#[derive(Debug, Default)]
pub struct TransformChain {
    stages: Vec<Stage>,
    warnings: Vec<String>,
}

impl TransformChain {
    /// Builds every stage (and its predicate) through the registry, in order.
    ///
    /// # Errors
    /// The first configuration error, naming its stage and full key: a duplicate alias, an
    /// unknown class, an invalid transform or predicate configuration, or `negate` without a
    /// predicate.
    pub fn new(configs: impl IntoIterator<Item = StageConfig>) -> Result<Self, ChainError> {
        let configs: Vec<StageConfig> = configs.into_iter().collect();
        let aliases: Vec<&str> = configs.iter().map(|c| c.alias.as_str()).collect();
        if aliases.iter().enumerate().any(|(i, a)| aliases[..i].contains(a)) {
            return Err(ChainError {
                stage: "transforms".to_owned(),
                key: Some("transforms".to_owned()),
                message: format!(
                    "Invalid value [{}] for configuration transforms: Duplicate alias provided.",
                    aliases.join(", ")
                ),
            });
        }
        let mut stages = Vec::with_capacity(configs.len());
        let mut warnings = Vec::new();
        for config in configs {
            let name = format!("transformation {}", config.alias);
            let prefix = format!("transforms.{}.", config.alias);
            if config.negate && config.predicate.is_none() {
                return Err(ChainError {
                    stage: name,
                    key: Some(format!("{prefix}negate")),
                    message: format!(
                        "Config '{prefix}negate' was provided but there is no config '{prefix}predicate' defining a \
                         predicate to be negated."
                    ),
                });
            }
            let transform = build_transform(&config.type_name, &config.props)
                .map_err(|e| ChainError::config(name.clone(), &prefix, e))?;
            let predicate = match &config.predicate {
                None => None,
                Some(p) => Some(build_predicate(&p.type_name, &p.props).map_err(|e| {
                    ChainError::config(
                        format!("predicate {}", p.alias),
                        &format!("predicates.{}.", p.alias),
                        e,
                    )
                })?),
            };
            warnings.extend(
                config_warnings(&config.type_name, &config.props).into_iter().map(|w| format!("{name}: {w}")),
            );
            stages.push(Stage { name, transform, predicate, negate: config.negate });
        }
        Ok(Self { stages, warnings })
    }

    /// What Connect would have logged while configuring the transforms (deprecated keys, dropped
    /// duplicates), each prefixed with its stage, for the caller to log once.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The number of stages.
    pub fn len(&self) -> usize {
        self.stages.len()
    }

    /// Whether the chain has no stages (every record passes through unchanged).
    pub fn is_empty(&self) -> bool {
        self.stages.is_empty()
    }

    /// Runs every stage over one record.
    ///
    /// Returns `Ok(None)` when a stage dropped the record.
    ///
    /// # Errors
    /// The first transform failure, naming its stage (`transformation <alias>`).
    pub fn apply(&self, mut record: Record) -> Result<Option<Record>, ChainError> {
        Ok(self.apply_in_place(&mut record)?.then_some(record))
    }

    /// Runs every stage over one record where it is (no move of the record per stage).
    ///
    /// Returns `Ok(false)` when a stage dropped the record; after an error the record is
    /// unspecified.
    ///
    /// # Errors
    /// The first transform failure, naming its stage (`transformation <alias>`).
    pub fn apply_in_place(&self, record: &mut Record) -> Result<bool, ChainError> {
        for stage in &self.stages {
            if !stage.applies_to(record) {
                continue;
            }
            match stage.transform.apply_in_place(record) {
                Ok(true) => {}
                Ok(false) => return Ok(false),
                Err(error) => return Err(stage_error(stage, error)),
            }
        }
        Ok(true)
    }

    /// [`TransformChain::apply_in_place`] by the chain's only user (a task's pipeline), through
    /// [`Transform::apply_exclusive`]: no transform takes a lock, and what they drop goes to
    /// `leftovers`.
    ///
    /// # Errors
    /// The first transform failure, naming its stage (`transformation <alias>`).
    pub fn apply_exclusive(
        &mut self,
        record: &mut Record,
        leftovers: &mut Leftovers,
    ) -> Result<bool, ChainError> {
        for stage in &mut self.stages {
            if !stage.applies_to(record) {
                continue;
            }
            match stage.transform.apply_exclusive(record, leftovers) {
                Ok(true) => {}
                Ok(false) => return Ok(false),
                Err(error) => return Err(stage_error(stage, error)),
            }
        }
        Ok(true)
    }

    /// Runs the chain over a batch, appending one [`Outcome`] per record to `out`, in order: the
    /// i-th outcome appended is `records[i]`'s. A failure affects only its own record.
    pub fn apply_batch(&self, records: Vec<Record>, out: &mut Vec<Outcome>) {
        out.reserve(records.len());
        for record in records {
            out.push(match self.apply(record) {
                Ok(Some(record)) => Outcome::Record(record),
                Ok(None) => Outcome::Dropped,
                Err(error) => Outcome::Failed(error),
            });
        }
    }
}

/// A record-level failure of `stage`; kept out of line because it is rare.
#[cold]
#[inline(never)]
fn stage_error(stage: &Stage, error: TransformError) -> ChainError {
    let message = match error {
        TransformError::Config { message, .. } | TransformError::Data(message) => message,
    };
    ChainError { stage: stage.name.clone(), key: None, message }
}

/// Warnings Connect logs while configuring a transform of class `type_name`.
fn config_warnings(type_name: &str, props: &Props) -> Vec<String> {
    let short = type_name.trim().strip_prefix(TRANSFORMS_PACKAGE).unwrap_or(type_name.trim());
    let base = short.split_once('$').map_or(short, |(base, _)| base);
    // The keys Connect 4.x validates with `ValidList.anyNonDuplicateValues`, which drops
    // duplicates with a warning.
    let list_key = match base {
        "ReplaceField" => return replace_field::config_warnings(props),
        "DropHeaders" => headers::HEADERS_CONFIG,
        "MaskField" => mask_field::FIELDS_CONFIG,
        "ValueToKey" => value_to_key::FIELDS_CONFIG,
        _ => return Vec::new(),
    };
    fields::duplicate_warning(props, list_key).into_iter().collect()
}

#[cfg(test)]
mod tests;
