//! Reading the few IPP attributes the kiosk cares about out of a response.

use ::ipp::prelude::*;

use crate::Marker;

/// Every value of attribute `name` in the first group tagged `tag`, as text.
pub fn strings(resp: &IppRequestResponse, tag: DelimiterTag, name: &str) -> Vec<String> {
    let Some(attr) = resp.attributes().groups_of(tag).find_map(|g| g.get(name)) else {
        return Vec::new();
    };
    match attr.value() {
        IppValue::Array(values) => values.iter().filter_map(text_of).collect(),
        single => text_of(single).into_iter().collect(),
    }
}

/// The first value of integer/enum attribute `name`.
pub fn integer(resp: &IppRequestResponse, tag: DelimiterTag, name: &str) -> Option<i32> {
    integers(resp, tag, name).into_iter().next()
}

pub fn integers(resp: &IppRequestResponse, tag: DelimiterTag, name: &str) -> Vec<i32> {
    let Some(attr) = resp.attributes().groups_of(tag).find_map(|g| g.get(name)) else {
        return Vec::new();
    };
    let int = |v: &IppValue| match v {
        IppValue::Integer(i) | IppValue::Enum(i) => Some(*i),
        _ => None,
    };
    match attr.value() {
        IppValue::Array(values) => values.iter().filter_map(int).collect(),
        single => int(single).into_iter().collect(),
    }
}

pub fn boolean(resp: &IppRequestResponse, tag: DelimiterTag, name: &str) -> Option<bool> {
    match resp.attributes().groups_of(tag).find_map(|g| g.get(name))?.value() {
        IppValue::Boolean(b) => Some(*b),
        _ => None,
    }
}

fn text_of(v: &IppValue) -> Option<String> {
    match v {
        IppValue::Keyword(_)
        | IppValue::NameWithoutLanguage(_)
        | IppValue::TextWithoutLanguage(_)
        | IppValue::MimeMediaType(_)
        | IppValue::Uri(_)
        | IppValue::UriScheme(_)
        | IppValue::Charset(_)
        | IppValue::NaturalLanguage(_)
        | IppValue::MemberAttrName(_) => Some(v.to_string()),
        IppValue::TextWithLanguage { text, .. } => Some(text.to_string()),
        IppValue::NameWithLanguage { name, .. } => Some(name.to_string()),
        _ => None,
    }
}

/// Marker (toner/ink) levels from the parallel `marker-*` arrays (RFC 3805 / PWG 5100.9).
/// Negative levels mean "unknown" (-1 unavailable, -2 unknown, -3 "some remaining").
pub fn markers(resp: &IppRequestResponse) -> Vec<Marker> {
    let t = DelimiterTag::PrinterAttributes;
    let names = strings(resp, t, "marker-names");
    let kinds = strings(resp, t, "marker-types");
    let colors = strings(resp, t, "marker-colors");
    let levels = integers(resp, t, "marker-levels");
    let lows = integers(resp, t, "marker-low-levels");
    (0..names.len().max(levels.len()).min(16))
        .map(|i| Marker {
            name: names.get(i).cloned().unwrap_or_default(),
            kind: kinds.get(i).cloned().unwrap_or_default(),
            color: colors.get(i).cloned().unwrap_or_default(),
            level_percent: levels.get(i).copied().filter(|l| (0..=100).contains(l)).map(|l| l as u8),
            low_percent: lows.get(i).copied().filter(|l| (0..=100).contains(l)).map(|l| l as u8),
        })
        .collect()
}
