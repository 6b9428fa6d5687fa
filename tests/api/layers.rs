//! The layers of docs/ARCHITECTURE.md, checked on the source: what each folder may import, no
//! import circle between files of different folders, no rule in `db/` or `http/`, and no
//! `src/` file over 400 lines.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 400;

/// Every `.rs` file under `src/`, by its path relative to `src/`.
fn sources() -> BTreeMap<String, String> {
    fn walk(dir: &Path, root: &Path, out: &mut BTreeMap<String, String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, root, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = BTreeMap::new();
    walk(&root, &root, &mut out);
    out
}

/// The module path of a file: `db/room/mod.rs` → `db::room`, `wire.rs` → `wire`.
fn module_of(file: &str) -> String {
    let trimmed = file.trim_end_matches(".rs");
    let trimmed = trimmed.strip_suffix("/mod").unwrap_or(trimmed);
    match trimmed {
        "lib" | "main" => String::new(),
        t => t.replace('/', "::"),
    }
}

fn folder_of(file: &str) -> &str {
    file.rsplit_once('/')
        .map_or("", |(dir, _)| dir.split('/').next().unwrap_or(""))
}

/// The module paths a file names (`crate::…` and `super::…`, braces expanded one level).
fn named_paths(file: &str, text: &str) -> Vec<String> {
    let module = module_of(file);
    let is_mod = file.ends_with("mod.rs") || file == "lib.rs";
    let parent: Vec<&str> = {
        let mut parts: Vec<&str> = module.split("::").filter(|p| !p.is_empty()).collect();
        if !is_mod {
            parts.pop();
        }
        parts
    };
    let mut out = Vec::new();
    for (prefix, base) in [("crate::", Vec::new()), ("super::", parent.clone())] {
        let mut rest = text;
        while let Some(at) = rest.find(prefix) {
            let before = rest[..at].chars().last();
            rest = &rest[at + prefix.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let head: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            let head = head.trim_end_matches(':').to_string();
            let mut base_path = base.iter().map(|s| s.to_string()).collect::<Vec<_>>();
            base_path.extend(head.split("::").filter(|s| !s.is_empty()).map(String::from));
            let after = &rest[head.len()..];
            if let Some(group) = after.strip_prefix("::{") {
                let inner = &group[..group.find('}').unwrap_or(0)];
                for item in inner.split(',') {
                    let item = item.trim().split(" as ").next().unwrap_or("").trim();
                    let mut p = base_path.clone();
                    p.extend(
                        item.split("::")
                            .filter(|s| !s.is_empty() && *s != "self")
                            .map(String::from),
                    );
                    out.push(p.join("::"));
                }
            }
            out.push(base_path.join("::"));
        }
    }
    out
}

/// Which files import which, resolved to the longest module path that is a file.
fn import_graph(files: &BTreeMap<String, String>) -> BTreeMap<String, BTreeSet<String>> {
    let by_module: BTreeMap<String, String> =
        files.keys().map(|f| (module_of(f), f.clone())).collect();
    let mut graph = BTreeMap::new();
    for (file, text) in files {
        // Unit tests may reach anywhere.
        let text = text.split("#[cfg(test)]").next().unwrap_or(text);
        let mut deps = BTreeSet::new();
        for path in named_paths(file, text) {
            let mut parts: Vec<&str> = path.split("::").collect();
            while !parts.is_empty() {
                if let Some(target) = by_module.get(&parts.join("::")) {
                    if target != file {
                        deps.insert(target.clone());
                    }
                    break;
                }
                parts.pop();
            }
        }
        graph.insert(file.clone(), deps);
    }
    graph
}

/// Strongly connected components with more than one file (Tarjan).
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct State<'a> {
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        next: usize,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in s.graph.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if s.on_stack.contains(w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                s.out.push(component);
            }
        }
    }
    let mut s = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in graph.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    s.out
}

#[test]
fn no_import_circle_between_folders() {
    let files = sources();
    let graph = import_graph(&files);
    // The parser finds the edges it should.
    assert!(graph["usecase/votes.rs"].contains("domain/decision.rs"));
    assert!(graph["live/commands.rs"].contains("usecase/mod.rs"));
    let crossing: Vec<Vec<String>> = cycles(&graph)
        .into_iter()
        .filter(|c| {
            c.iter()
                .map(|f| folder_of(f))
                .collect::<BTreeSet<_>>()
                .len()
                > 1
        })
        .collect();
    assert!(
        crossing.is_empty(),
        "import circles across folders: {crossing:?}"
    );
}

#[test]
fn layers_import_only_what_they_may() {
    let files = sources();
    let graph = import_graph(&files);
    let forbidden: &[(&str, &[&str])] = &[
        (
            "db/",
            &["api.rs", "wire.rs", "usecase/", "http/", "live/", "export/"],
        ),
        (
            "domain/",
            &[
                "db/", "api.rs", "wire.rs", "usecase/", "http/", "live/", "export/",
            ],
        ),
        // The export renderers (formats, the record's context) are below the use cases; the
        // CLI export is an adapter.
        ("usecase/", &["http/", "live/", "export/cli.rs", "api.rs"]),
        ("live/", &["http/"]),
        ("mail/", &["http/", "live/", "api.rs"]),
        ("export/", &["http/"]),
    ];
    let mut wrong = Vec::new();
    for (file, deps) in &graph {
        for (from, never) in forbidden {
            if !file.starts_with(from) {
                continue;
            }
            for dep in deps {
                if never.iter().any(|n| dep.starts_with(n)) {
                    wrong.push(format!("{file} → {dep}"));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "imports across the layers: {wrong:#?}");
}

#[test]
fn no_rules_in_storage_or_handlers() {
    // What a rule looks like when it is written in place rather than asked of `domain/`.
    let markers = [
        "can_chair(",
        "can_vote(",
        ".apply(Transition",
        "quorum::",
        ".evaluate(",
        "check_coordinate(",
        "check_manage_members(",
        ".check(DossierAction",
        "is_admin() ||",
        "|| me.user.is_admin()",
        "AppError::forbidden(",
    ];
    let mut found = Vec::new();
    for (file, text) in sources() {
        if !(file.starts_with("db/") || file.starts_with("http/")) {
            continue;
        }
        let code = text.split("#[cfg(test)]").next().unwrap_or(&text);
        for (n, line) in code.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            for m in markers {
                if line.contains(m) {
                    found.push(format!("{file}:{}: {}", n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "rules outside domain/ and usecase/: {found:#?}"
    );
}

#[test]
fn no_source_file_over_400_lines() {
    let long: Vec<String> = sources()
        .into_iter()
        .filter(|(file, _)| file != "db/schema.rs" && !file.ends_with("tests.rs"))
        .filter(|(_, text)| text.lines().count() > MAX_LINES)
        .map(|(file, text)| format!("{file}: {} lines", text.lines().count()))
        .collect();
    assert!(long.is_empty(), "files over {MAX_LINES} lines: {long:?}");
}
