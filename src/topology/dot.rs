//! The topology graph in Graphviz DOT: spouts as boxes, bolts as ellipses (a bolt no stream
//! reaches is dashed: Flux drops it), one edge per stream labelled with its grouping, its fields
//! and its stream id. Nodes and edges come in file order, so the output is the same every time.

use std::fmt::Write as _;

use super::include::Merged;
use super::model::{BeanDef, StreamDef};

fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

fn label(bean: &BeanDef, id: &str) -> String {
    let class = bean
        .object
        .class_name
        .as_ref()
        .map_or("?", |t| t.value.rsplit('.').next().unwrap_or(&t.value));
    let parallelism = bean.parallelism.as_ref().map_or(1, |p| p.value);
    format!("{id}\n{class} x{parallelism}")
}

pub fn render(merged: &Merged) -> String {
    let mut out = String::new();
    let name = merged
        .name
        .as_ref()
        .map_or("topology", |t| t.value.as_str());
    let _ = writeln!(out, "digraph {} {{", quote(name));
    out.push_str("  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n");
    let known = component_nodes(merged, &mut out);
    let mut undefined: Vec<&str> = Vec::new();
    for stream in &merged.streams {
        for end in [&stream.from, &stream.to].into_iter().flatten() {
            if !known.contains(&end.value.as_str()) && !undefined.contains(&end.value.as_str()) {
                undefined.push(&end.value);
            }
        }
    }
    for id in &undefined {
        let _ = writeln!(
            out,
            "  {} [shape=octagon, style=dashed, color=red, label={}];",
            quote(id),
            quote(&format!("{id}\n(undefined)"))
        );
    }
    for stream in &merged.streams {
        let (Some(from), Some(to)) = (&stream.from, &stream.to) else {
            continue;
        };
        let _ = writeln!(
            out,
            "  {} -> {} [label={}];",
            quote(&from.value),
            quote(&to.value),
            quote(&edge_label(stream))
        );
    }
    out.push_str("}\n");
    out
}

/// A node per spout, then per bolt (dashed when no stream reaches it); returns their ids.
fn component_nodes<'a>(merged: &'a Merged, out: &mut String) -> Vec<&'a str> {
    let targets: Vec<&str> = merged
        .streams
        .iter()
        .filter_map(|s| s.to.as_ref())
        .map(|t| t.value.as_str())
        .collect();
    let mut known: Vec<&str> = Vec::new();
    for spout in &merged.spouts {
        let Some(id) = &spout.id else { continue };
        known.push(&id.value);
        let _ = writeln!(
            out,
            "  {} [shape=box, style=\"rounded,filled\", fillcolor=\"#dbe9f6\", label={}];",
            quote(&id.value),
            quote(&label(spout, &id.value))
        );
    }
    for bolt in &merged.bolts {
        let Some(id) = &bolt.id else { continue };
        known.push(&id.value);
        let style = if targets.contains(&id.value.as_str()) {
            "filled\", fillcolor=\"#fdf0d5"
        } else {
            "dashed"
        };
        let _ = writeln!(
            out,
            "  {} [shape=ellipse, style=\"{style}\", label={}];",
            quote(&id.value),
            quote(&label(bolt, &id.value))
        );
    }
    known
}

/// A stream's edge label: grouping type, its fields or custom class, and the stream id.
fn edge_label(stream: &StreamDef) -> String {
    let mut edge = String::new();
    if let Some(g) = &stream.grouping {
        edge.push_str(g.kind.as_ref().map_or("?", |t| t.value.as_str()));
        if let Some(args) = g.args.as_ref().filter(|a| !a.is_empty()) {
            let fields: Vec<&str> = args.iter().map(|t| t.value.as_str()).collect();
            let _ = write!(edge, "({})", fields.join(", "));
        }
        if let Some(custom) = g.custom_class.as_ref().and_then(|c| c.class_name.as_ref()) {
            let _ = write!(
                edge,
                " {}",
                custom.value.rsplit('.').next().unwrap_or(&custom.value)
            );
        }
        if let Some(stream_id) = &g.stream_id {
            let _ = write!(edge, "\nstream: {}", stream_id.value);
        }
    }
    edge
}
