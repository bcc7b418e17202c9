//! What incremental updates after a signature may change.
//!
//! Pitfall: Poppler calls a document whose page content was swapped by an
//! incremental update "valid". Here the document as signed (the prefix up to the
//! signature's `%%EOF`) is compared object by object with the document as a viewer sees
//! it. Allowed, as PAdES LTV and multi-signature workflows need:
//! - `/DSS` (anything reachable only through it is never rendered),
//! - new signature fields/widgets in `/AcroForm /Fields` and page `/Annots`, and the
//!   `/V`, `/AP` of a signature field that was empty. A widget with a visible area is
//!   allowed only in a revision that a later signature (not a document timestamp) covers.
//! - bookkeeping every incremental writer does: `/ModDate` and `/Producer` in the
//!   document information, the XMP `/Metadata` stream, the catalog's `/Version` and
//!   `/Extensions`.
//!
//! Anything else — page content, resources, other annotations, the identity keys of the
//! document information (`/NIK`, `/KK`, …) — is a modification.

use std::collections::{BTreeSet, HashSet};

use lopdf::{Dictionary, Document, Object, ObjectId};

use super::pdf::{dict_of, get, resolve};

/// Compares the signed revision with a later state; `covered` says a later signature
/// vouches for the revision(s) in between.
pub fn check(signed: &Document, later: &Document, covered: bool) -> Result<(), String> {
    for key in [&b"Root"[..], b"Info", b"Encrypt"] {
        if signed.trailer.get(key).ok() != later.trailer.get(key).ok() {
            return Err(format!("trailer /{} changed", String::from_utf8_lossy(key)));
        }
    }
    let old_live = rendered_objects(signed);
    let new_live = rendered_objects(later);
    if let Some(gone) = old_live.iter().find(|id| !later.objects.contains_key(id)) {
        return Err(format!("object {} {} removed", gone.0, gone.1));
    }
    let roles = Roles::of(signed);
    for id in &new_live {
        let (Some(old), Some(new)) = (signed.objects.get(id), later.objects.get(id)) else { continue };
        if same(old, new) {
            continue;
        }
        let ok = if Some(*id) == roles.catalog {
            catalog_ok(signed, later, old, new, covered)
        } else if Some(*id) == roles.acroform {
            acroform_ok(signed, later, old, new, covered)
        } else if Some(*id) == roles.fields {
            list_ok(signed, later, old, new, covered)
        } else if roles.pages.contains(id) {
            page_ok(signed, later, old, new, covered)
        } else if roles.annots.contains(id) {
            list_ok(signed, later, old, new, covered)
        } else if Some(*id) == roles.info {
            dicts_equal_except(signed, later, old, new, &[b"ModDate", b"Producer"])
        } else if Some(*id) == roles.metadata {
            // XMP is never rendered and the identity data is read from /Info.
            matches!(new, Object::Stream(_))
        } else if roles.empty_sig_fields.contains(id) {
            dicts_equal_except(signed, later, old, new, &[b"V", b"AP"])
                && (covered || matches!(new, Object::Dictionary(d) if invisible(later, d)))
        } else {
            false
        };
        if !ok {
            return Err(format!("object {} {} changed after signing", id.0, id.1));
        }
    }
    Ok(())
}

/// Objects reachable from the trailer, not descending into the catalog's `/DSS`.
fn rendered_objects(doc: &Document) -> BTreeSet<ObjectId> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<&Object> = Vec::new();
    let root = doc.trailer.get(b"Root").ok().and_then(|r| r.as_reference().ok());
    for key in [&b"Root"[..], b"Info"] {
        if let Ok(o) = doc.trailer.get(key) {
            stack.push(o);
        }
    }
    while let Some(o) = stack.pop() {
        match o {
            Object::Reference(id) => {
                if seen.insert(*id)
                    && let Some(t) = doc.objects.get(id)
                {
                    if Some(*id) == root
                        && let Object::Dictionary(d) = t
                    {
                        stack.extend(d.iter().filter(|(k, _)| k.as_slice() != b"DSS").map(|(_, v)| v));
                    } else {
                        stack.push(t);
                    }
                }
            }
            Object::Array(a) => stack.extend(a.iter()),
            Object::Dictionary(d) => stack.extend(d.iter().map(|(_, v)| v)),
            Object::Stream(s) => stack.extend(s.dict.iter().map(|(_, v)| v)),
            _ => {}
        }
    }
    seen
}

#[derive(Default)]
struct Roles {
    catalog: Option<ObjectId>,
    info: Option<ObjectId>,
    metadata: Option<ObjectId>,
    acroform: Option<ObjectId>,
    fields: Option<ObjectId>,
    pages: HashSet<ObjectId>,
    annots: HashSet<ObjectId>,
    empty_sig_fields: HashSet<ObjectId>,
}

impl Roles {
    fn of(doc: &Document) -> Self {
        let reference = |d: &Dictionary, k: &[u8]| d.get(k).ok().and_then(|o| o.as_reference().ok());
        let mut r = Self {
            catalog: reference(&doc.trailer, b"Root"),
            info: reference(&doc.trailer, b"Info"),
            ..Self::default()
        };
        if let Ok(cat) = doc.catalog() {
            r.metadata = reference(cat, b"Metadata");
            r.acroform = cat.get(b"AcroForm").ok().and_then(|o| o.as_reference().ok());
            if let Some(af) = cat.get(b"AcroForm").ok().and_then(|a| dict_of(doc, a)) {
                r.fields = af.get(b"Fields").ok().and_then(|o| o.as_reference().ok());
            }
        }
        for pid in doc.get_pages().into_values() {
            r.pages.insert(pid);
            if let Ok(Object::Reference(a)) = doc.get_dictionary(pid).and_then(|p| p.get(b"Annots")) {
                r.annots.insert(*a);
            }
        }
        for (id, o) in &doc.objects {
            if let Object::Dictionary(d) = o
                && is_sig_field(doc, d)
                && !d.has(b"V")
            {
                r.empty_sig_fields.insert(*id);
            }
        }
        r
    }
}

/// Equal objects; streams by dictionary and bytes (not file position).
fn same(a: &Object, b: &Object) -> bool {
    match (a, b) {
        (Object::Stream(x), Object::Stream(y)) => x.dict == y.dict && x.content == y.content,
        _ => a == b,
    }
}

fn dicts_equal_except(_s: &Document, _l: &Document, old: &Object, new: &Object, allowed: &[&[u8]]) -> bool {
    let (Object::Dictionary(o), Object::Dictionary(n)) = (old, new) else { return false };
    keys_equal_except(o, n, allowed)
}

fn keys_equal_except(o: &Dictionary, n: &Dictionary, allowed: &[&[u8]]) -> bool {
    let keys: BTreeSet<&Vec<u8>> = o.iter().map(|(k, _)| k).chain(n.iter().map(|(k, _)| k)).collect();
    keys.into_iter().filter(|k| !allowed.contains(&k.as_slice())).all(|k| o.get(k).ok() == n.get(k).ok())
}

fn catalog_ok(s: &Document, l: &Document, old: &Object, new: &Object, covered: bool) -> bool {
    let (Object::Dictionary(o), Object::Dictionary(n)) = (old, new) else { return false };
    if !keys_equal_except(o, n, &[b"DSS", b"AcroForm", b"Extensions", b"Version", b"Metadata"]) {
        return false;
    }
    match (o.get(b"AcroForm").ok(), n.get(b"AcroForm").ok()) {
        (a, b) if a == b => true,
        // A direct AcroForm dictionary changed inside the catalog.
        (Some(a @ Object::Dictionary(_)), Some(b @ Object::Dictionary(_))) => acroform_ok(s, l, a, b, covered),
        _ => false,
    }
}

fn acroform_ok(s: &Document, l: &Document, old: &Object, new: &Object, covered: bool) -> bool {
    let (Object::Dictionary(o), Object::Dictionary(n)) = (old, new) else { return false };
    if !keys_equal_except(o, n, &[b"Fields", b"SigFlags"]) {
        return false;
    }
    match (o.get(b"Fields").ok(), n.get(b"Fields").ok()) {
        (a, b) if a == b => true,
        (Some(a @ Object::Array(_)), Some(b @ Object::Array(_))) => list_ok(s, l, a, b, covered),
        _ => false,
    }
}

fn page_ok(s: &Document, l: &Document, old: &Object, new: &Object, covered: bool) -> bool {
    let (Object::Dictionary(o), Object::Dictionary(n)) = (old, new) else { return false };
    if !keys_equal_except(o, n, &[b"Annots"]) {
        return false;
    }
    let empty = Object::Array(Vec::new());
    let a = o.get(b"Annots").unwrap_or(&empty);
    let b = n.get(b"Annots").unwrap_or(&empty);
    match (a, b) {
        (Object::Array(_), Object::Array(_)) => list_ok(s, l, a, b, covered),
        _ => false,
    }
}

/// An array (`/Fields` or `/Annots`) that only gained signature fields/widgets.
fn list_ok(_s: &Document, l: &Document, old: &Object, new: &Object, covered: bool) -> bool {
    let (Object::Array(o), Object::Array(n)) = (old, new) else { return false };
    if n.len() < o.len() || n.get(..o.len()) != Some(o.as_slice()) {
        return false;
    }
    n.iter().skip(o.len()).all(|item| {
        matches!(item, Object::Reference(_)) && dict_of(l, item).is_some_and(|d| new_sig_widget_ok(l, d, covered))
    })
}

/// A new signature field (with or without merged widget). Visible only if covered.
fn new_sig_widget_ok(doc: &Document, d: &Dictionary, covered: bool) -> bool {
    let field = if d.has(b"FT") { Some(d) } else { get(doc, d, b"Parent").and_then(|p| dict_of(doc, p)) };
    if !field.is_some_and(|f| is_sig_field(doc, f)) {
        return false;
    }
    if d.has(b"Subtype") && !matches!(get(doc, d, b"Subtype"), Some(Object::Name(n)) if n == b"Widget") {
        return false;
    }
    covered || invisible(doc, d)
}

fn is_sig_field(doc: &Document, d: &Dictionary) -> bool {
    matches!(get(doc, d, b"FT"), Some(Object::Name(n)) if n == b"Sig")
}

/// Zero-area /Rect, or the Hidden/NoView annotation flags.
fn invisible(doc: &Document, d: &Dictionary) -> bool {
    if let Some(Object::Integer(f)) = get(doc, d, b"F")
        && f & (2 | 32) != 0
    {
        return true;
    }
    let Some(Object::Array(r)) = get(doc, d, b"Rect") else { return !d.has(b"Subtype") };
    let nums: Vec<f64> = r
        .iter()
        .filter_map(|x| match resolve(doc, x) {
            Some(Object::Integer(i)) => Some(*i as f64), // display coordinates: precision irrelevant
            Some(Object::Real(f)) => Some(f64::from(*f)),
            _ => None,
        })
        .collect();
    let [x1, y1, x2, y2] = nums.as_slice() else { return false };
    (x2 - x1).abs() < 0.5 || (y2 - y1).abs() < 0.5
}
