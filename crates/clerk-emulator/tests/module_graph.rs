//! Pins the layering of `src/`: no two modules import each other, directly
//! or through others (the cycles issue 10 removed went through the store,
//! users and their writes, organizations and memberships). An edge is any
//! `crate::`, `super::` or `self::` path, a path through a child module or
//! a registry line (`resource!(users, ...)`), outside comments, strings and
//! `#[cfg(test)]` modules; a `mod` line alone is not one (a parent may
//! declare the child that uses it).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// Every module of `src/` (but `main.rs`) by path (`crate::a::b`).
fn modules(src: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut dirs = vec![src.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let rel = path.strip_prefix(src).unwrap().with_extension("");
            let mut parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if path.extension().is_none_or(|e| e != "rs") || parts == ["main"] {
                continue;
            }
            if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
                parts.pop();
            }
            let name = std::iter::once("crate".to_owned())
                .chain(parts)
                .collect::<Vec<_>>()
                .join("::");
            out.insert(name, fs::read_to_string(&path).unwrap());
        }
    }
    out
}

/// The source without comments, string contents and `#[cfg(test)]` modules.
fn code(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        if text[i..].starts_with("//") {
            i += text[i..].find('\n').unwrap_or(text.len() - i);
        } else if text[i..].starts_with("/*") {
            i += text[i..].find("*/").map_or(text.len() - i, |e| e + 2);
        } else if bytes[i] == b'"' {
            i += 1;
            while i < bytes.len() && bytes[i] != b'"' {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if text[i..].starts_with("#[cfg(test)]")
            && text[i + 12..].trim_start().starts_with("mod ")
        {
            let Some(open) = text[i..].find('{') else {
                break;
            };
            let mut depth = 0;
            let mut j = i + open;
            while j < bytes.len() {
                match bytes[j] {
                    b'{' => depth += 1,
                    b'}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            i = j + 1;
        } else {
            let c = text[i..].chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The modules `me` refers to in `code`.
fn edges(me: &str, code: &str, modules: &BTreeMap<String, String>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let resolve = |path: &[&str], out: &mut BTreeSet<String>| {
        let mut base: Vec<&str> = me.split("::").collect();
        let mut rest = path;
        match rest.first() {
            Some(&"crate") => {
                base = vec!["crate"];
                rest = &rest[1..];
            }
            Some(&"self") => rest = &rest[1..],
            Some(&"super") => {
                while rest.first() == Some(&"super") {
                    base.pop();
                    rest = &rest[1..];
                }
            }
            _ => {}
        }
        for k in (0..=rest.len()).rev() {
            let candidate = base
                .iter()
                .chain(&rest[..k])
                .copied()
                .collect::<Vec<_>>()
                .join("::");
            if modules.contains_key(&candidate) {
                if candidate != me {
                    out.insert(candidate);
                }
                return;
            }
        }
    };
    // The registry names each resource through its `resource!` macro.
    for call in code.split("resource!(").skip(1) {
        let name: String = call.chars().take_while(|&c| is_ident(c)).collect();
        resolve(&["self", &name], &mut out);
    }
    let chars: Vec<(usize, char)> = code.char_indices().collect();
    let mut k = 0;
    while k < chars.len() {
        let (at, c) = chars[k];
        if !is_ident(c) || (k > 0 && (is_ident(chars[k - 1].1) || chars[k - 1].1 == ':')) {
            k += 1;
            continue;
        }
        // A path starting here: identifiers joined by `::`.
        let mut segments = Vec::new();
        let mut end = at;
        let mut group = None;
        loop {
            let start = end;
            let len = code[start..]
                .find(|c: char| !is_ident(c))
                .unwrap_or(code.len() - start);
            if len == 0 {
                break;
            }
            segments.push(&code[start..start + len]);
            end = start + len;
            if code[end..].starts_with("::{") {
                group = Some(end + 3);
                break;
            }
            if !code[end..].starts_with("::") {
                break;
            }
            end += 2;
        }
        let first = segments[0];
        let child = format!("{me}::{first}");
        let rooted = matches!(first, "crate" | "super" | "self") || modules.contains_key(&child);
        if rooted && (segments.len() > 1 || group.is_some()) {
            resolve(&segments, &mut out);
            if let Some(open) = group {
                // The members of a `{...}` group that are modules.
                let close = code[open..].find('}').map_or(code.len(), |c| open + c);
                for member in code[open..close].split(',') {
                    let name: String = member.trim().chars().take_while(|&c| is_ident(c)).collect();
                    if !name.is_empty() && name != "self" {
                        let mut path = segments.clone();
                        path.push(&name);
                        resolve(&path, &mut out);
                    }
                }
            }
        }
        while k < chars.len() && chars[k].0 < end {
            k += 1;
        }
    }
    out
}

/// A cycle through `from`, if the graph has one (depth-first search).
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut found = path[at..].to_vec();
            found.push(node.to_owned());
            return Some(found);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(found) = visit(next, graph, path, done) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    // MODULE_GRAPH_SRC checks another tree (an older `src/`, say).
    let src = std::env::var_os("MODULE_GRAPH_SRC").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        std::path::PathBuf::from,
    );
    let modules = modules(&src);
    let graph: BTreeMap<String, BTreeSet<String>> = modules
        .iter()
        .map(|(name, text)| (name.clone(), edges(name, &code(text), &modules)))
        .collect();
    // The check sees the edges it must: the server's state under every
    // resource, the registry over every resource.
    assert!(graph["crate::resources::users"].contains("crate::server::state"));
    assert!(graph["crate::resources"].contains("crate::resources::users"));
    assert!(
        graph["crate::resources::users::writes"].contains("crate::resources::users"),
        "{:?}",
        graph["crate::resources::users::writes"]
    );
    if let Some(found) = cycle(&graph) {
        panic!("module cycle: {}", found.join(" -> "));
    }
}
