//! Every user-facing string has its Bahasa Indonesia translation: a missing msgid would
//! silently show English to a citizen who cannot read it.

use std::collections::BTreeSet;
use std::path::Path;

fn slint_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("ui folder").flatten() {
        let p = entry.path();
        if p.is_dir() {
            slint_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "slint") {
            out.push(p);
        }
    }
}

/// The first argument of every `@tr("…")`.
fn tr_strings(text: &str) -> Vec<String> {
    let mut found = vec![];
    let mut rest = text;
    while let Some(i) = rest.find("@tr(\"") {
        rest = &rest[i + 5..];
        let mut s = String::new();
        let mut chars = rest.char_indices();
        while let Some((j, c)) = chars.next() {
            match c {
                '\\' => {
                    if let Some((_, n)) = chars.next() {
                        s.push(n);
                    }
                }
                '"' => {
                    rest = &rest[j + 1..];
                    break;
                }
                c => s.push(c),
            }
        }
        found.push(s);
    }
    found
}

fn po_msgids(po: &str) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let lines: Vec<&str> = po.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        if let Some(id) = line.strip_prefix("msgid \"").and_then(|l| l.strip_suffix('"'))
            && !id.is_empty()
            && lines.get(i + 1).is_some_and(|next| next.starts_with("msgstr \"") && *next != "msgstr \"\"")
        {
            ids.insert(id.replace("\\\"", "\"").replace("\\\\", "\\"));
        }
    }
    ids
}

#[test]
fn every_ui_string_is_translated_to_bahasa_indonesia() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![];
    slint_files(&root.join("ui"), &mut files);
    let po = std::fs::read_to_string(root.join("ui/lang/id/LC_MESSAGES/adm-kiosk.po")).expect("po file");
    let translated = po_msgids(&po);
    let mut missing = BTreeSet::new();
    let mut count = 0;
    for f in files {
        for s in tr_strings(&std::fs::read_to_string(&f).expect("slint file")) {
            count += 1;
            if !translated.contains(&s) {
                missing.insert(s);
            }
        }
    }
    assert!(count > 100, "found only {count} @tr strings");
    assert!(missing.is_empty(), "untranslated: {missing:#?}");
}
