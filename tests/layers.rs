//! The layers of `src/` (docs/ARCHITECTURE.md): data flows one way, and no module imports one above
//! it. Read from the source text: every `crate::…` path names the module it uses.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Layer of each top-level module, lowest first. A module may use its own layer and those below.
const LAYERS: [(&str, usize); 12] = [
    ("error", 0),
    ("time", 0),
    ("collections", 0),
    ("input", 1),
    ("market", 2),
    ("pricing", 3),
    ("margin", 4),
    ("risk", 4),
    ("report", 5),
    ("api", 6),
    ("wasm", 7),
    ("lib", 8),
];

fn src() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every library source file as its module path (`margin::book`), with its text.
fn modules() -> BTreeMap<String, String> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(&src(), &mut files);
    files
        .into_iter()
        .filter(|p| !p.starts_with(src().join("bin")))
        .map(|p| {
            let rel = p.strip_prefix(src()).unwrap().with_extension("");
            let mut parts: Vec<String> = rel.iter().map(|s| s.to_string_lossy().into()).collect();
            if parts.last().is_some_and(|l| l == "mod") {
                parts.pop();
            }
            let text = std::fs::read_to_string(&p).unwrap();
            (parts.join("::"), text)
        })
        .collect()
}

/// The code of a file without comments and without its `#[cfg(test)]` module.
fn code(text: &str) -> String {
    let body = match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => text,
    };
    body.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Modules a file uses: `crate::a::b::c` resolves to the longest prefix that is a module.
fn uses(text: &str, known: &BTreeSet<String>) -> BTreeSet<String> {
    let code = code(text);
    let mut out = BTreeSet::new();
    let mut rest = code.as_str();
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        let path: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
            .collect();
        let parts: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
        for n in (1..=parts.len()).rev() {
            let m = parts[..n].join("::");
            if known.contains(&m) {
                out.insert(m);
                break;
            }
        }
    }
    out
}

fn layer(module: &str) -> usize {
    let top = module.split("::").next().unwrap_or(module);
    let top = if top.is_empty() { "lib" } else { top };
    LAYERS
        .iter()
        .find(|(m, _)| *m == top)
        .map(|(_, l)| *l)
        .unwrap_or_else(|| panic!("module {module} has no layer in tests/layers.rs"))
}

#[test]
fn no_module_imports_one_above_it() {
    let mods = modules();
    let known: BTreeSet<String> = mods.keys().cloned().collect();
    let mut wrong = Vec::new();
    for (m, text) in &mods {
        for u in uses(text, &known) {
            if layer(&u) > layer(m) {
                wrong.push(format!(
                    "{m} (layer {}) uses {u} (layer {})",
                    layer(m),
                    layer(&u)
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports reaching up:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn no_import_cycle_among_modules() {
    let mods = modules();
    let known: BTreeSet<String> = mods.keys().cloned().collect();
    // `mod.rs` files that only declare and re-export their children are containers, not users
    let graph: BTreeMap<String, BTreeSet<String>> = mods
        .iter()
        .map(|(m, text)| {
            let mut u = uses(text, &known);
            u.remove(m);
            (m.clone(), u)
        })
        .collect();
    if let Some(cycle) = find_cycle(&graph) {
        panic!("import cycle: {}", cycle.join(" → "));
    }
}

/// A cycle of the graph, by depth-first search for a back edge.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        m: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match state.get(m) {
            Some(2) => return None,
            Some(1) => {
                let from = stack.iter().position(|s| s == m).unwrap_or(0);
                let mut cycle = stack[from..].to_vec();
                cycle.push(m.to_string());
                return Some(cycle);
            }
            _ => {}
        }
        state.insert(m.to_string(), 1);
        stack.push(m.to_string());
        for next in graph.get(m).into_iter().flatten() {
            if let Some(c) = visit(next, graph, state, stack) {
                return Some(c);
            }
        }
        stack.pop();
        state.insert(m.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    graph
        .keys()
        .find_map(|m| visit(m, graph, &mut state, &mut Vec::new()))
}

#[test]
fn every_module_says_what_it_is() {
    for (m, text) in modules() {
        assert!(
            text.trim_start().starts_with("//!"),
            "src module {m} has no `//!` doc comment"
        );
    }
}

#[test]
fn the_checker_sees_a_cycle_and_an_upward_import() {
    let known: BTreeSet<String> = ["margin", "margin::book", "input", "input::json"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let u = uses(
        "use crate::margin::book::{Book, PoolBook};\n// crate::input::json in a comment\nfn f() { crate::input::json::parse_json(); }",
        &known,
    );
    assert_eq!(
        u,
        ["input::json", "margin::book"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    );
    assert!(layer("input::json") < layer("margin::book"));
    let edges = |pairs: &[(&str, &str)]| {
        let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (a, b) in pairs {
            g.entry(a.to_string()).or_default().insert(b.to_string());
            g.entry(b.to_string()).or_default();
        }
        g
    };
    assert_eq!(
        find_cycle(&edges(&[("a", "b"), ("b", "c"), ("c", "a")])),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
    assert_eq!(
        find_cycle(&edges(&[("a", "b"), ("a", "c"), ("b", "c")])),
        None
    );
}
