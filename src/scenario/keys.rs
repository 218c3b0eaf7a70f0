//! Scenario keys declared once: [`scenario_section!`] declares a section's typed struct and,
//! from the same lines, its keys (path, type and range, default, unit), how each field is read
//! from the validated values, which fields calibration may move and which lines the scenario's
//! key-parameter summary shows. The schema ([`super::schema::schema`]), the loader's build, the
//! calibration key map and [`super::Scenario::key_parameters`] all come from the declarations, so
//! a key's path cannot be misspelt in one of them and silently read as zero.
//!
//! A section is mounted at its path by the section that holds it (`services.huddles` is the
//! field `huddles` of the `services` section), so a declaration is self-contained and can live in
//! any module of the crate: it needs only `scenario_section!` and the kinds and defaults of
//! [`super::schema`] in scope.

use super::schema::{self, Def, KeySpec, WILDCARD};
use super::{Allocation, PerLocality};
use crate::calendar::Date;
use crate::input::spanned::Pos;
use std::collections::{BTreeMap, BTreeSet};

/// A checked value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Parsed {
    Num(f64),
    Int(i64),
    Bool(bool),
    Date(Date),
    Str(String),
    PerLocality(PerLocality),
    Allocation(Allocation),
    Dates(BTreeMap<String, Date>),
    /// The index of the value among [`schema::Kind::Choice`]'s strings.
    Choice(usize),
    List(Vec<String>),
}

/// A checked value, where it was written, and the locality keys it names (key, position, and
/// the field reported for an unknown one).
#[derive(Debug, Clone)]
pub(crate) struct Checked {
    pub parsed: Parsed,
    pub pos: Pos,
    pub localities: Vec<(String, Pos, String)>,
}

/// The validated values of a scenario (concrete dotted path → value), the sections written, and
/// what defaults need, as the sections' `build` functions read them.
pub(crate) struct Values<'a> {
    values: &'a BTreeMap<String, Checked>,
    sections: &'a BTreeSet<String>,
    file_stem: &'a str,
}

impl<'a> Values<'a> {
    /// `values` by concrete path, `sections`: the concrete path of every section written, and the
    /// stem of the outermost file's name (the default scenario name).
    pub(crate) fn new(
        values: &'a BTreeMap<String, Checked>,
        sections: &'a BTreeSet<String>,
        file_stem: &'a str,
    ) -> Values<'a> {
        Values {
            values,
            sections,
            file_stem,
        }
    }

    /// The value written (after validation) at `path`.
    pub(crate) fn get(&self, path: &str) -> Option<&'a Parsed> {
        self.values.get(path).map(|c| &c.parsed)
    }

    /// What the schema says happens when `path` is absent.
    pub(crate) fn default_of(&self, path: &str) -> Def {
        schema::spec(path).map_or(Def::Required, |s| s.def)
    }

    /// The keys of the instances written under `parent` (e.g. `services.custom`), sorted.
    pub(crate) fn instances(&self, parent: &str) -> Vec<String> {
        let prefix = format!("{parent}.");
        self.sections
            .iter()
            .filter_map(|s| s.strip_prefix(&prefix))
            .filter(|rest| !rest.contains('.'))
            .map(str::to_string)
            .collect()
    }
}

/// The last segment of a dotted path (the instance key of a section's concrete path).
pub(crate) fn last_segment(path: &str) -> &str {
    path.rsplit_once('.').map_or(path, |(_, last)| last)
}

/// The section part of a key's dotted path.
fn parent_of(path: &str) -> &str {
    path.rsplit_once('.').map_or("", |(parent, _)| parent)
}

/// A field type a key can hold: read from the validated values at a concrete path, or from the
/// key's default when it was not written. A value that is missing or bad yields a placeholder;
/// such a scenario is never returned, because validation recorded the problem.
pub(crate) trait FromParsed: Sized {
    /// The value at `path`.
    fn read(v: &Values<'_>, path: &str) -> Self;
}

impl FromParsed for f64 {
    fn read(v: &Values<'_>, path: &str) -> f64 {
        match (v.get(path), v.default_of(path)) {
            (Some(Parsed::Num(x)), _) => *x,
            (None, Def::Num(x)) => x,
            _ => 0.0,
        }
    }
}

/// A number that may be left out (its default is `Def::Optional`): `None` when not written.
impl FromParsed for Option<f64> {
    fn read(v: &Values<'_>, path: &str) -> Option<f64> {
        match v.get(path) {
            Some(Parsed::Num(x)) => Some(*x),
            _ => None,
        }
    }
}

/// A whole number, or the key's numeric default.
fn whole(v: &Values<'_>, path: &str) -> i64 {
    match (v.get(path), v.default_of(path)) {
        (Some(Parsed::Int(i)), _) => *i,
        (None, Def::Num(x)) => x as i64,
        _ => 0,
    }
}

impl FromParsed for u8 {
    fn read(v: &Values<'_>, path: &str) -> u8 {
        u8::try_from(whole(v, path)).unwrap_or(0)
    }
}

impl FromParsed for u16 {
    fn read(v: &Values<'_>, path: &str) -> u16 {
        u16::try_from(whole(v, path)).unwrap_or(0)
    }
}

impl FromParsed for bool {
    fn read(v: &Values<'_>, path: &str) -> bool {
        match (v.get(path), v.default_of(path)) {
            (Some(Parsed::Bool(b)), _) => *b,
            (None, Def::Bool(b)) => b,
            _ => false,
        }
    }
}

impl FromParsed for Date {
    fn read(v: &Values<'_>, path: &str) -> Date {
        match (v.get(path), v.default_of(path)) {
            (Some(Parsed::Date(d)), _) => *d,
            (None, Def::SameAs(other)) => Date::read(v, other),
            (None, Def::Sibling(name)) => Date::read(v, &schema::join(parent_of(path), name)),
            // Only reached when a required date is missing or bad (already reported).
            _ => Date::from_ymd(1970, 1, 1).unwrap_or_else(|| unreachable!("1970-01-01 exists")),
        }
    }
}

impl FromParsed for String {
    fn read(v: &Values<'_>, path: &str) -> String {
        match (v.get(path), v.default_of(path)) {
            (Some(Parsed::Str(s)), _) => s.clone(),
            (None, Def::Str(s)) => s.to_string(),
            (None, Def::FileStem) => v.file_stem.to_string(),
            (None, Def::KeyLabel) => last_segment(parent_of(path)).replace('_', " "),
            _ => String::new(),
        }
    }
}

impl FromParsed for Allocation {
    fn read(v: &Values<'_>, path: &str) -> Allocation {
        match (v.get(path), v.default_of(path)) {
            (Some(Parsed::Allocation(a)), _) => *a,
            (None, Def::Str("need")) => Allocation::Need,
            _ => Allocation::Population,
        }
    }
}

impl FromParsed for PerLocality {
    fn read(v: &Values<'_>, path: &str) -> PerLocality {
        match v.get(path) {
            Some(Parsed::PerLocality(p)) => p.clone(),
            _ => PerLocality::Total(0.0),
        }
    }
}

impl FromParsed for BTreeMap<String, Date> {
    fn read(v: &Values<'_>, path: &str) -> BTreeMap<String, Date> {
        match v.get(path) {
            Some(Parsed::Dates(d)) => d.clone(),
            _ => BTreeMap::new(),
        }
    }
}

impl FromParsed for Vec<String> {
    fn read(v: &Values<'_>, path: &str) -> Vec<String> {
        match v.get(path) {
            Some(Parsed::List(items)) => items.clone(),
            _ => Vec::new(),
        }
    }
}

/// An enum written as one of a fixed set of strings (a key of kind
/// `Kind::Choice(<T as Choice>::NAMES)`).
pub(crate) trait Choice: Sized + Copy + 'static {
    /// The strings, in the order of [`Choice::VALUES`].
    const NAMES: &'static [&'static str];
    /// The values the strings stand for.
    const VALUES: &'static [Self];
}

impl<T: Choice> FromParsed for T {
    fn read(v: &Values<'_>, path: &str) -> T {
        let i = match v.get(path) {
            Some(Parsed::Choice(i)) => *i,
            _ => 0,
        };
        T::VALUES
            .get(i)
            .or(T::VALUES.first())
            .copied()
            .unwrap_or_else(|| unreachable!("a choice has values"))
    }
}

/// A value as the key-parameter summary writes it ([`super::Scenario::key_parameters`]).
pub(crate) trait Describe {
    /// The value in words.
    fn describe(&self) -> String;
}

impl Describe for f64 {
    fn describe(&self) -> String {
        self.to_string()
    }
}

/// One line of the key-parameter summary: its tier (lines are shown by tier, then in declaration
/// order), key and value in words.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SummaryLine {
    pub tier: u16,
    pub key: String,
    pub text: String,
}

/// A calibratable key: its rank (calibration keys are listed by rank), full path and field.
pub(crate) struct Slot<'s> {
    pub rank: u16,
    pub key: String,
    pub value: &'s mut f64,
}

/// What [`scenario_section!`] generates for a section (or a group of keys flattened into one).
/// `at` is the concrete dotted path the section is mounted at (`services.huddles`;
/// `services.custom.falls` for an instance), with [`WILDCARD`] for an instance key in `specs`.
pub(crate) trait Keys: Sized {
    /// Appends the section's keys, in declaration order.
    fn specs(at: &str, out: &mut Vec<KeySpec>);
    /// Reads the section from validated values.
    fn build(v: &Values<'_>, at: &str) -> Self;
    /// Appends the calibratable keys (rank, full path).
    fn calibration_keys(at: &str, out: &mut Vec<(u16, String)>);
    /// Appends the calibratable fields.
    fn calibration_slots<'s>(&'s mut self, at: &str, out: &mut Vec<Slot<'s>>);
    /// Appends the key-parameter summary lines.
    fn summary(&self, at: &str, out: &mut Vec<SummaryLine>);
    /// Appends (full path, field value as `{:?}`) for every key, so that tests can check each
    /// key lands in its own field.
    #[cfg(test)]
    fn key_values(&self, at: &str, out: &mut Vec<(String, String)>);
}

/// A section declared for any number of instances: the field holding its instance key.
pub(crate) trait Keyed {
    /// The instance's key (the last segment of its path).
    fn instance_key(&self) -> &str;
}

/// Sections mounted for any number of instances (`Vec<T>`, one per `[<at>.<key>]`, sorted by
/// key). Their keys are not offered to calibration: there is no fixed path to name them by.
pub(crate) trait Instances: Sized {
    /// Appends the keys of one instance, with [`WILDCARD`] for its key.
    fn specs(at: &str, out: &mut Vec<KeySpec>);
    /// Reads every instance written under `at`.
    fn build(v: &Values<'_>, at: &str) -> Self;
    /// Appends each instance's summary lines.
    fn summary(&self, at: &str, out: &mut Vec<SummaryLine>);
    /// Appends each instance's key values ([`Keys::key_values`]).
    #[cfg(test)]
    fn key_values(&self, at: &str, out: &mut Vec<(String, String)>);
}

impl<T: Keys + Keyed> Instances for Vec<T> {
    fn specs(at: &str, out: &mut Vec<KeySpec>) {
        T::specs(&schema::join(at, WILDCARD), out);
    }

    fn build(v: &Values<'_>, at: &str) -> Self {
        v.instances(at)
            .iter()
            .map(|key| T::build(v, &schema::join(at, key)))
            .collect()
    }

    fn summary(&self, at: &str, out: &mut Vec<SummaryLine>) {
        for item in self {
            item.summary(&schema::join(at, item.instance_key()), out);
        }
    }

    #[cfg(test)]
    fn key_values(&self, at: &str, out: &mut Vec<(String, String)>) {
        for item in self {
            item.key_values(&schema::join(at, item.instance_key()), out);
        }
    }
}

/// The key name of a leaf field: the field's name, or the name given to `named(...)`.
macro_rules! key_name {
    (key($($arg:tt)*) $field:ident) => {
        stringify!($field)
    };
    (named($name:literal, $($arg:tt)*) $field:ident) => {
        $name
    };
}
pub(crate) use key_name;

/// One field of a [`scenario_section!`], in one of the generated functions (an implementation
/// detail of that macro).
macro_rules! key_field {
    // ---- specs: the keys, in declaration order.
    (specs $at:ident $out:ident; $field:ident: $ty:ty = key($kind:expr, $def:expr, $unit:expr $(,)?) [$($flag:tt)*]) => {
        $out.push($crate::scenario::schema::KeySpec::new(
            $crate::scenario::schema::join($at, stringify!($field)),
            $kind,
            $def,
            $unit,
        ))
    };
    (specs $at:ident $out:ident; $field:ident: $ty:ty = named($name:literal, $kind:expr, $def:expr, $unit:expr $(,)?) [$($flag:tt)*]) => {
        $out.push($crate::scenario::schema::KeySpec::new(
            $crate::scenario::schema::join($at, $name),
            $kind,
            $def,
            $unit,
        ))
    };
    (specs $at:ident $out:ident; $field:ident: $ty:ty = flatten() [$($flag:tt)*]) => {
        <$ty as $crate::scenario::keys::Keys>::specs($at, $out)
    };
    (specs $at:ident $out:ident; $field:ident: $ty:ty = section() [$($flag:tt)*]) => {
        <$ty as $crate::scenario::keys::Keys>::specs(&$crate::scenario::schema::join($at, stringify!($field)), $out)
    };
    (specs $at:ident $out:ident; $field:ident: $ty:ty = sections() [$($flag:tt)*]) => {
        <$ty as $crate::scenario::keys::Instances>::specs(
            &$crate::scenario::schema::join($at, stringify!($field)),
            $out,
        )
    };
    (specs $at:ident $out:ident; $field:ident: $ty:ty = instance_key() [$($flag:tt)*]) => {};

    // ---- build: the field's value.
    (build $v:ident $at:ident; $field:ident: $ty:ty = $how:ident($($arg:tt)*)) => {
        $crate::scenario::keys::key_field!(@build $how $v $at; $field: $ty = $how($($arg)*))
    };
    (@build key $v:ident $at:ident; $field:ident: $ty:ty = $($how:tt)*) => {
        <$ty as $crate::scenario::keys::FromParsed>::read(
            $v,
            &$crate::scenario::schema::join($at, $crate::scenario::keys::key_name!($($how)* $field)),
        )
    };
    (@build named $v:ident $at:ident; $field:ident: $ty:ty = $($how:tt)*) => {
        $crate::scenario::keys::key_field!(@build key $v $at; $field: $ty = $($how)*)
    };
    (@build flatten $v:ident $at:ident; $field:ident: $ty:ty = $($how:tt)*) => {
        <$ty as $crate::scenario::keys::Keys>::build($v, $at)
    };
    (@build section $v:ident $at:ident; $field:ident: $ty:ty = $($how:tt)*) => {
        <$ty as $crate::scenario::keys::Keys>::build($v, &$crate::scenario::schema::join($at, stringify!($field)))
    };
    (@build sections $v:ident $at:ident; $field:ident: $ty:ty = $($how:tt)*) => {
        <$ty as $crate::scenario::keys::Instances>::build($v, &$crate::scenario::schema::join($at, stringify!($field)))
    };
    (@build instance_key $v:ident $at:ident; $field:ident: $ty:ty = $($how:tt)*) => {
        $crate::scenario::keys::last_segment($at).to_string()
    };

    // ---- calibration: keys and fields marked `[calibrate RANK]` (leaf `key(...)` fields only).
    (calibration_keys $at:ident $out:ident; $field:ident: $ty:ty = key($($arg:tt)*) [calibrate $rank:literal $(, summary $tier:literal)?]) => {
        $out.push(($rank, $crate::scenario::schema::join($at, stringify!($field))))
    };
    (calibration_keys $at:ident $out:ident; $field:ident: $ty:ty = flatten() [$(summary $tier:literal)?]) => {
        <$ty as $crate::scenario::keys::Keys>::calibration_keys($at, $out)
    };
    (calibration_keys $at:ident $out:ident; $field:ident: $ty:ty = section() []) => {
        <$ty as $crate::scenario::keys::Keys>::calibration_keys(&$crate::scenario::schema::join($at, stringify!($field)), $out)
    };
    (calibration_keys $at:ident $out:ident; $field:ident: $ty:ty = $how:ident($($arg:tt)*) [$(summary $tier:literal)?]) => {};
    (calibration_keys $at:ident $out:ident; $field:ident: $ty:ty = $how:ident($($arg:tt)*) [$($flag:tt)*]) => {
        compile_error!(concat!(
            "field `", stringify!($field), "`: flags are [calibrate RANK], [summary TIER] or [calibrate RANK, summary TIER]; ",
            "only key(...) fields can be calibrated, flatten() takes only [summary TIER], ",
            "and section(), sections() and instance_key() take no flags"
        ))
    };
    (calibration_slots $this:ident $at:ident $out:ident; $field:ident: $ty:ty = key($($arg:tt)*) [calibrate $rank:literal $(, summary $tier:literal)?]) => {
        $out.push($crate::scenario::keys::Slot {
            rank: $rank,
            key: $crate::scenario::schema::join($at, stringify!($field)),
            value: &mut $this.$field,
        })
    };
    (calibration_slots $this:ident $at:ident $out:ident; $field:ident: $ty:ty = flatten() [$(summary $tier:literal)?]) => {
        $crate::scenario::keys::Keys::calibration_slots(&mut $this.$field, $at, $out)
    };
    (calibration_slots $this:ident $at:ident $out:ident; $field:ident: $ty:ty = section() []) => {
        $crate::scenario::keys::Keys::calibration_slots(
            &mut $this.$field,
            &$crate::scenario::schema::join($at, stringify!($field)),
            $out,
        )
    };
    (calibration_slots $this:ident $at:ident $out:ident; $field:ident: $ty:ty = $how:ident($($arg:tt)*) [$($flag:tt)*]) => {};

    // ---- summary: lines of fields marked `[summary TIER]`; mounted sections add theirs.
    (summary $this:ident $at:ident $out:ident; $field:ident: $ty:ty = flatten() [summary $tier:literal]) => {
        $out.push($crate::scenario::keys::SummaryLine {
            tier: $tier,
            key: $at.to_string(),
            text: $crate::scenario::keys::Describe::describe(&$this.$field),
        })
    };
    (summary $this:ident $at:ident $out:ident; $field:ident: $ty:ty = $how:ident($($arg:tt)*) [$(calibrate $rank:literal,)? summary $tier:literal]) => {
        $out.push($crate::scenario::keys::SummaryLine {
            tier: $tier,
            key: $crate::scenario::schema::join($at, $crate::scenario::keys::key_name!($how($($arg)*) $field)),
            text: $crate::scenario::keys::Describe::describe(&$this.$field),
        })
    };
    (summary $this:ident $at:ident $out:ident; $field:ident: $ty:ty = flatten() []) => {
        $crate::scenario::keys::Keys::summary(&$this.$field, $at, $out)
    };
    (summary $this:ident $at:ident $out:ident; $field:ident: $ty:ty = section() []) => {
        $crate::scenario::keys::Keys::summary(&$this.$field, &$crate::scenario::schema::join($at, stringify!($field)), $out)
    };
    (summary $this:ident $at:ident $out:ident; $field:ident: $ty:ty = sections() []) => {
        $crate::scenario::keys::Instances::summary(&$this.$field, &$crate::scenario::schema::join($at, stringify!($field)), $out)
    };
    (summary $this:ident $at:ident $out:ident; $field:ident: $ty:ty = $how:ident($($arg:tt)*) [$($flag:tt)*]) => {};

    // ---- key values (tests): every key's field, as `{:?}`.
    (key_values $this:ident $at:ident $out:ident; $field:ident: $ty:ty = flatten()) => {
        $crate::scenario::keys::Keys::key_values(&$this.$field, $at, $out)
    };
    (key_values $this:ident $at:ident $out:ident; $field:ident: $ty:ty = section()) => {
        $crate::scenario::keys::Keys::key_values(&$this.$field, &$crate::scenario::schema::join($at, stringify!($field)), $out)
    };
    (key_values $this:ident $at:ident $out:ident; $field:ident: $ty:ty = sections()) => {
        $crate::scenario::keys::Instances::key_values(&$this.$field, &$crate::scenario::schema::join($at, stringify!($field)), $out)
    };
    (key_values $this:ident $at:ident $out:ident; $field:ident: $ty:ty = instance_key()) => {};
    (key_values $this:ident $at:ident $out:ident; $field:ident: $ty:ty = $how:ident($($arg:tt)*)) => {
        $out.push((
            $crate::scenario::schema::join($at, $crate::scenario::keys::key_name!($how($($arg)*) $field)),
            format!("{:?}", $this.$field),
        ))
    };

    // ---- items beside the struct: the instance key of a section declared for many instances.
    (item $name:ident; $field:ident: $ty:ty = instance_key()) => {
        impl $crate::scenario::keys::Keyed for $name {
            fn instance_key(&self) -> &str {
                &self.$field
            }
        }
    };
    (item $name:ident; $field:ident: $ty:ty = $how:ident($($arg:tt)*)) => {};
}
pub(crate) use key_field;

/// Declares a scenario section once: its typed struct, and from the same lines its keys, how
/// they are read, what calibration may move and what the key-parameter summary shows
/// ([`Keys`]).
///
/// ```text
/// scenario_section! {
///     /// Doc of the struct.
///     #[derive(Debug, Clone, PartialEq)]
///     pub struct Name summary(TIER, path::to::fn) {   // the summary(...) is optional
///         /// Doc of the field (and of the key).
///         field: Type = HOW [FLAGS],                    // the [FLAGS] are optional
///         ...
///     }
/// }
/// ```
///
/// `HOW` is one of
/// * `key(KIND, DEFAULT, UNIT)`: a key named after the field (`Type: FromParsed`);
/// * `named("key_name", KIND, DEFAULT, UNIT)`: a key with another name than the field;
/// * `flatten()`: the keys of another declared struct, in this section;
/// * `section()`: another declared struct as the sub-section named after the field;
/// * `sections()`: a `Vec` of a declared struct, one per sub-section `[<field>.<key>]` (sorted by
///   key; its paths have [`WILDCARD`] for the key);
/// * `instance_key()`: a `String` holding that key (in a struct mounted by `sections()`).
///
/// `KIND` and `DEFAULT` are [`schema::Kind`] and [`schema::Def`] values, `UNIT` a `&str` or a
/// [`schema::Unit`]. `FLAGS` are `calibrate RANK` (an `f64` key calibration may move; keys are
/// offered in rank order), `summary TIER` (a line of the key-parameter summary, `Describe`d;
/// lines are shown by tier, then in declaration order; on a `flatten()` field the line is keyed
/// by the section), or `calibrate RANK, summary TIER`. The struct's `summary(TIER, f)` adds a
/// line keyed by the section with the text `f(&self)`. Every field is `pub`.
macro_rules! scenario_section {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident $(summary($tier:literal, $summary:path))? {
            $(
                $(#[doc = $doc:literal])*
                $field:ident: $ty:ty = $how:ident($($arg:tt)*) $([$($flag:tt)*])?
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis struct $name {
            $(
                $(#[doc = $doc])*
                pub $field: $ty,
            )*
        }

        impl $crate::scenario::keys::Keys for $name {
            fn specs(at: &str, out: &mut Vec<$crate::scenario::schema::KeySpec>) {
                $( $crate::scenario::keys::key_field!(specs at out; $field: $ty = $how($($arg)*) [$($($flag)*)?]); )*
            }

            fn build(v: &$crate::scenario::keys::Values<'_>, at: &str) -> Self {
                $name {
                    $( $field: $crate::scenario::keys::key_field!(build v at; $field: $ty = $how($($arg)*)), )*
                }
            }

            #[allow(unused_variables)]
            fn calibration_keys(at: &str, out: &mut Vec<(u16, String)>) {
                $( $crate::scenario::keys::key_field!(calibration_keys at out; $field: $ty = $how($($arg)*) [$($($flag)*)?]); )*
            }

            #[allow(unused_variables)]
            fn calibration_slots<'s>(&'s mut self, at: &str, out: &mut Vec<$crate::scenario::keys::Slot<'s>>) {
                let this = self;
                $( $crate::scenario::keys::key_field!(calibration_slots this at out; $field: $ty = $how($($arg)*) [$($($flag)*)?]); )*
            }

            #[allow(unused_variables)]
            fn summary(&self, at: &str, out: &mut Vec<$crate::scenario::keys::SummaryLine>) {
                let this = self;
                $(
                    out.push($crate::scenario::keys::SummaryLine {
                        tier: $tier,
                        key: at.to_string(),
                        text: $summary(this),
                    });
                )?
                $( $crate::scenario::keys::key_field!(summary this at out; $field: $ty = $how($($arg)*) [$($($flag)*)?]); )*
            }

            #[cfg(test)]
            #[allow(unused_variables)]
            fn key_values(&self, at: &str, out: &mut Vec<(String, String)>) {
                let this = self;
                $( $crate::scenario::keys::key_field!(key_values this at out; $field: $ty = $how($($arg)*)); )*
            }
        }

        $( $crate::scenario::keys::key_field!(item $name; $field: $ty = $how($($arg)*)); )*
    };
}
pub(crate) use scenario_section;

/// A list of keys computed once from the declarations, usable like a `&'static [&'static str]`
/// (it dereferences to one, and iterates).
#[derive(Clone, Copy)]
pub struct KeyList(fn() -> &'static [&'static str]);

impl KeyList {
    pub(crate) const fn new(keys: fn() -> &'static [&'static str]) -> KeyList {
        KeyList(keys)
    }
}

impl std::ops::Deref for KeyList {
    type Target = [&'static str];
    fn deref(&self) -> &[&'static str] {
        (self.0)()
    }
}

impl std::fmt::Debug for KeyList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl IntoIterator for KeyList {
    type Item = &'static &'static str;
    type IntoIter = std::slice::Iter<'static, &'static str>;
    fn into_iter(self) -> Self::IntoIter {
        (self.0)().iter()
    }
}

impl IntoIterator for &KeyList {
    type Item = &'static &'static str;
    type IntoIter = std::slice::Iter<'static, &'static str>;
    fn into_iter(self) -> Self::IntoIter {
        (self.0)().iter()
    }
}

#[cfg(test)]
mod tests {
    use super::super::schema::{schema, Kind};
    use super::super::{load_scenario_str, Scenario};
    use std::collections::BTreeMap;
    use std::path::PathBuf;

    /// The instance key used for sections declared for any number of instances.
    const PROBE: &str = "probe";

    /// Two different valid values of a key (as TOML), the first also as the field's `{:?}` for
    /// numbers; `None` for `extends` (read by the loader, not a field).
    fn values_for(i: usize, path: &str, kind: Kind) -> Option<(String, String, Option<String>)> {
        let name = path.rsplit('.').next().unwrap_or(path);
        // A declared distribution must fit its figure: a price-level multiplier (central 1) or
        // a hazard ratio (central 1.7), both inside [0.5, 2.5].
        if path.starts_with("uncertainty.") {
            match name {
                "figure" => {
                    return Some((
                        "\"costs.*\"".into(),
                        "\"social_care.care_home_mortality_hr\"".into(),
                        None,
                    ))
                }
                "low" => return Some(("0.5".into(), "0.6".into(), Some("Some(0.5)".into()))),
                "high" => return Some(("2.5".into(), "2.6".into(), Some("Some(2.5)".into()))),
                _ => {}
            }
        }
        Some(match kind {
            Kind::Path => return None,
            Kind::Num { min, max, open_max, .. } => {
                let lo = if min.is_finite() { min } else { 0.0 };
                let a = lo + (i + 1) as f64 * 1e-3;
                let b = a + 5e-4;
                assert!(
                    if open_max { b < max } else { b <= max },
                    "{path}: no room for test values"
                );
                (format!("{a:?}"), format!("{b:?}"), Some(format!("{a:?}")))
            }
            Kind::Int { min, max } => {
                // A maximum high and a minimum low, so that pairs such as min_age ≤ max_age hold.
                let (a, b) = if name.starts_with("max_") {
                    (max, max - 1)
                } else {
                    (min + 1, min + 2)
                };
                (a.to_string(), b.min(max).to_string(), Some(a.to_string()))
            }
            Kind::PerLocality => {
                let a = 3.0 + i as f64;
                (
                    format!("{a:?}"),
                    format!("{:?}", a + 1.0),
                    Some(format!("Total({a:?})")),
                )
            }
            Kind::Bool => ("true".into(), "false".into(), None),
            Kind::Date => {
                let (a, b) = match path {
                    "scenario.start" => ("2016-04-04", "2016-04-11"),
                    "scenario.end" => ("2027-03-31", "2027-03-30"),
                    _ if name == "full_by" => ("2018-04-02", "2018-04-09"),
                    _ => ("2017-04-03", "2017-04-10"),
                };
                (format!("{a:?}"), format!("{b:?}"), None)
            }
            Kind::Text | Kind::NonEmptyText => ("\"text a\"".into(), "\"text b\"".into(), None),
            Kind::Name => ("\"probe-a\"".into(), "\"probe-b\"".into(), None),
            Kind::Place => ("\"croydon\"".into(), "\"../data/croydon.place.toml\"".into(), None),
            Kind::Allocation => ("\"population\"".into(), "\"need\"".into(), None),
            Kind::Choice(names) => (format!("{:?}", names[0]), format!("{:?}", names[1]), None),
            Kind::DateByLocality => (
                "{ thornton_heath = \"2020-03-02\" }".into(),
                "{ mayday = \"2020-03-02\" }".into(),
                None,
            ),
            Kind::LocalityList => ("[\"mayday\"]".into(), "[\"purley\"]".into(), None),
        })
    }

    /// A scenario writing every declared key (`<key>` as [`PROBE`]), each with its first test
    /// value, except `changed`, which gets its second; and each numeric key's expected `{:?}`.
    fn every_key(changed: Option<&str>) -> (String, BTreeMap<String, String>) {
        let mut sections: BTreeMap<String, String> = BTreeMap::new();
        let mut expected = BTreeMap::new();
        for (i, spec) in schema().iter().enumerate() {
            let path = spec.path.replace(super::WILDCARD, PROBE);
            let Some((a, b, debug)) = values_for(i, &path, spec.kind) else {
                continue;
            };
            let (section, name) = path.rsplit_once('.').expect("every declared key is in a section");
            let value = if changed == Some(path.as_str()) { b } else { a };
            sections
                .entry(section.to_string())
                .or_default()
                .push_str(&format!("{name} = {value}\n"));
            if let Some(debug) = debug {
                expected.insert(path, debug);
            }
        }
        let text = sections
            .iter()
            .map(|(section, body)| format!("[{section}]\n{body}"))
            .collect::<Vec<_>>()
            .join("\n");
        (text, expected)
    }

    fn load(text: &str) -> Scenario {
        let here = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios/probe.toml");
        load_scenario_str(text, &here).unwrap_or_else(|e| panic!("{e}\n{text}"))
    }

    #[test]
    fn every_declared_number_builds_into_its_own_field() {
        let (text, expected) = every_key(None);
        let s = load(&text);
        let built: BTreeMap<String, String> = s.key_values().into_iter().collect();
        let mut checked = 0;
        for (path, debug) in &expected {
            if path == "scenario.scale" {
                assert_eq!(&format!("{:?}", s.scale), debug);
            } else if path == "scenario.warm_up_weeks" {
                assert_eq!(&format!("{:?}", s.warm_up_weeks), debug);
            } else {
                assert_eq!(built.get(path), Some(debug), "{path}");
            }
            checked += 1;
        }
        // Every number of the scenario, the model, the built-in services and a declared one.
        let numbers = schema()
            .iter()
            .filter(|k| matches!(k.kind, Kind::Num { .. } | Kind::Int { .. } | Kind::PerLocality))
            .count();
        assert_eq!(checked, numbers);
        assert!(numbers > 70, "{numbers}");
        assert_eq!(s.services.custom.len(), 1);
        assert_eq!(s.services.custom[0].key, PROBE);
    }

    #[test]
    fn changing_any_declared_key_changes_the_built_scenario() {
        let (text, _) = every_key(None);
        let base = load(&text);
        for spec in schema() {
            let path = spec.path.replace(super::WILDCARD, PROBE);
            if path == super::super::schema::EXTENDS {
                continue;
            }
            let (changed, _) = every_key(Some(&path));
            assert_ne!(load(&changed), base, "{path} does not reach the scenario");
        }
    }
}
