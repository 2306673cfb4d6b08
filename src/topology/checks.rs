//! What `FluxBuilder` and Nimbus would reject, or silently drop, in a merged topology: names and
//! ids, references, streams and groupings, declared fields, parallelism, class names, and (via
//! `shell`) shell commands.

use std::collections::{BTreeMap, BTreeSet};

use super::include::Merged;
use super::model::{BeanDef, BeanKind, GroupingDef, ObjectDef, StreamDef, Text, TopologyDef};
use super::streams::{self, Declared, FLUX_SHELL_BOLT, FLUX_SHELL_SPOUT, LOG_INFO_BOLT};
use super::suggest::closest;
use super::{shell, CheckContext, Diagnostic, Severity};

const GROUPINGS: &[&str] = &[
    "ALL",
    "CUSTOM",
    "DIRECT",
    "SHUFFLE",
    "LOCAL_OR_SHUFFLE",
    "FIELDS",
    "GLOBAL",
    "NONE",
];

fn err(diags: &mut Vec<Diagnostic>, text: &Text, message: String, fix: String) {
    diags.push(Diagnostic::at(Severity::Error, &text.loc, message, fix));
}

fn warn(diags: &mut Vec<Diagnostic>, text: &Text, message: String, fix: String) {
    diags.push(Diagnostic::at(Severity::Warning, &text.loc, message, fix));
}

fn id_of(bean: &BeanDef) -> Option<&str> {
    bean.id.as_ref().map(|t| t.value.as_str())
}

pub fn run(
    files: &[TopologyDef],
    merged: &Merged,
    ctx: &CheckContext<'_>,
    diags: &mut Vec<Diagnostic>,
) {
    for file in files {
        duplicates_in_file(file, diags);
    }
    name(files, merged, diags);
    if let Some(source) = &merged.topology_source {
        if !merged.spouts.is_empty() || !merged.bolts.is_empty() || !merged.streams.is_empty() {
            diags.push(Diagnostic::at(
                Severity::Error,
                &source.loc,
                "`topologySource` and spouts/bolts/streams in one topology: Flux refuses it (\"Invalid topology config\")".to_string(),
                "keep either `topologySource` or the spouts, bolts and streams".to_string(),
            ));
        }
    } else if merged.spouts.is_empty() {
        if let Some(main) = files.first() {
            diags.push(Diagnostic::new(
                Severity::Warning,
                &main.file,
                super::Pos { line: 1, column: 1 },
                "the topology has no spouts: nothing will emit tuples".to_string(),
                "add a `spouts:` list".to_string(),
            ));
        }
    }
    ids(merged, diags);
    references(merged, diags);
    streams_and_groupings(merged, diags);
    reachability(merged, diags);
    for bean in merged.spouts.iter().chain(&merged.bolts) {
        parallelism(bean, diags);
        shell::check(bean, ctx, diags);
        wrong_kind(bean, diags);
    }
    if ctx.jar_known {
        classes(merged, ctx, diags);
    }
}

/// Duplicates inside one file's list: Flux keeps them in a map, so only the last survives.
fn duplicates_in_file(file: &TopologyDef, diags: &mut Vec<Diagnostic>) {
    for list in [
        &file.components,
        &file.spouts,
        &file.bolts,
        &file.worker_hooks,
    ] {
        let mut seen: BTreeMap<&str, &Text> = BTreeMap::new();
        for bean in list {
            let Some(id) = &bean.id else { continue };
            if let Some(first) = seen.insert(id.value.as_str(), id) {
                err(
                    diags,
                    id,
                    format!("duplicate {} id `{}` (also at line {}): Flux keeps only the last definition and drops the other silently", bean.kind.noun(), id.value, first.loc.pos.line),
                    "give each one its own id".to_string(),
                );
            }
        }
    }
}

fn name(files: &[TopologyDef], merged: &Merged, diags: &mut Vec<Diagnostic>) {
    let Some(name) = &merged.name else {
        if let Some(main) = files.first() {
            diags.push(Diagnostic::new(
                Severity::Error,
                &main.file,
                super::Pos { line: 1, column: 1 },
                "the topology has no `name`: Storm refuses to submit it (\"Topology name 'null' is not valid\")".to_string(),
                "add `name: \"my-topology\"` at the top".to_string(),
            ));
        }
        return;
    };
    if name.unsubstituted() {
        return;
    }
    let bad: BTreeSet<char> = name
        .value
        .chars()
        .filter(|c| matches!(c, '/' | '.' | ':' | '\\'))
        .collect();
    if !bad.is_empty() || name.value.is_empty() {
        let shown: Vec<String> = bad.iter().map(|c| format!("`{c}`")).collect();
        let fixed: String = name
            .value
            .chars()
            .map(|c| if bad.contains(&c) { '-' } else { c })
            .collect();
        err(
            diags,
            name,
            format!(
                "topology name `{}` contains {}: Storm rejects names with `/`, `.`, `:` or `\\`",
                name.value,
                shown.join(", ")
            ),
            format!("rename it, e.g. `name: \"{fixed}\"`"),
        );
    }
}

fn ids(merged: &Merged, diags: &mut Vec<Diagnostic>) {
    let mut vertices: BTreeMap<&str, &BeanDef> = BTreeMap::new();
    for bean in merged.spouts.iter().chain(&merged.bolts) {
        let Some(id) = &bean.id else { continue };
        if id.value.starts_with("__") {
            err(
                diags,
                id,
                format!("{} id `{}` starts with `__`: Nimbus reserves those for system components and rejects the topology", bean.kind.noun(), id.value),
                format!("rename it, e.g. `{}`", id.value.trim_start_matches('_')),
            );
        }
        if let Some(first) = vertices.insert(id.value.as_str(), bean) {
            if first.kind != bean.kind {
                err(
                    diags,
                    id,
                    format!("`{}` is both a spout and a bolt id: Storm refuses it (\"{} has already been declared for id {}\")", id.value, if first.kind == BeanKind::Spout { "Spout" } else { "Bolt" }, id.value),
                    "give the spout and the bolt different ids".to_string(),
                );
            }
        }
    }
    for component in &merged.components {
        let Some(id) = &component.id else { continue };
        if let Some(vertex) = vertices.get(id.value.as_str()) {
            warn(
                diags,
                id,
                format!(
                    "component id `{}` is also a {} id: a `ref: {}` always means the component",
                    id.value,
                    vertex.kind.noun(),
                    id.value
                ),
                "give the component its own id".to_string(),
            );
        }
    }
}

fn references(merged: &Merged, diags: &mut Vec<Diagnostic>) {
    let components: Vec<&str> = merged.components.iter().filter_map(id_of).collect();
    let mut objects: Vec<&ObjectDef> = Vec::new();
    for bean in merged
        .components
        .iter()
        .chain(&merged.spouts)
        .chain(&merged.bolts)
        .chain(&merged.worker_hooks)
    {
        objects.push(&bean.object);
    }
    objects.extend(merged.topology_source.iter());
    objects.extend(
        merged
            .streams
            .iter()
            .filter_map(|s| s.grouping.as_ref()?.custom_class.as_ref()),
    );
    for object in objects {
        for r in &object.refs {
            if r.unsubstituted() || components.contains(&r.value.as_str()) {
                continue;
            }
            let vertex = merged
                .spouts
                .iter()
                .chain(&merged.bolts)
                .any(|b| id_of(b) == Some(r.value.as_str()));
            let fix = match (vertex, closest(&r.value, components.iter().copied())) {
                (true, _) => format!(
                    "`{}` is a spout or bolt; a `ref` can only name an entry of `components:`",
                    r.value
                ),
                (false, Some(best)) => format!("did you mean `{best}`?"),
                (false, None) => format!("define `{}` under `components:`", r.value),
            };
            err(
                diags,
                r,
                format!(
                    "`ref: {}` names no component: Flux passes null in its place",
                    r.value
                ),
                fix,
            );
        }
    }
}

fn streams_and_groupings(merged: &Merged, diags: &mut Vec<Diagnostic>) {
    let spouts: Vec<&str> = merged.spouts.iter().filter_map(id_of).collect();
    let bolts: Vec<&str> = merged.bolts.iter().filter_map(id_of).collect();
    let vertices: Vec<&str> = spouts.iter().chain(&bolts).copied().collect();
    let mut subscriptions: BTreeMap<(String, String, String), &Text> = BTreeMap::new();
    for stream in &merged.streams {
        if let Some(from) = &stream.from {
            if !from.unsubstituted() && !vertices.contains(&from.value.as_str()) {
                let fix = closest(&from.value, vertices.iter().copied()).map_or_else(
                    || {
                        format!(
                            "define a spout or bolt with `id: \"{}\"`, or use one of: {}",
                            from.value,
                            vertices.join(", ")
                        )
                    },
                    |best| format!("did you mean `{best}`?"),
                );
                err(diags, from, format!("stream from `{}`, which is not a defined spout or bolt: Nimbus rejects the topology (\"subscribes from non-existent component\")", from.value), fix);
            }
        }
        if let Some(to) = &stream.to {
            if !to.unsubstituted() && !bolts.contains(&to.value.as_str()) {
                let (message, fix) = if spouts.contains(&to.value.as_str()) {
                    (
                        format!(
                            "stream to `{}`, which is a spout: spouts take no input",
                            to.value
                        ),
                        "send the stream to a bolt".to_string(),
                    )
                } else {
                    (
                        format!("stream to `{}`, which is not a defined bolt: Flux fails with a NullPointerException", to.value),
                        closest(&to.value, bolts.iter().copied()).map_or_else(
                            || format!("define a bolt with `id: \"{}\"`, or use one of: {}", to.value, bolts.join(", ")),
                            |best| format!("did you mean `{best}`?"),
                        ),
                    )
                };
                err(diags, to, message, fix);
            }
        }
        grouping(stream, merged, diags);
        if let (Some(from), Some(to), Some(g)) = (&stream.from, &stream.to, &stream.grouping) {
            let stream_id = g.stream_id.as_ref().map_or("default", |t| t.value.as_str());
            let key = (from.value.clone(), stream_id.to_string(), to.value.clone());
            if let Some(first) = subscriptions.insert(key, to) {
                warn(
                    diags,
                    to,
                    format!("`{}` subscribes to stream `{stream_id}` of `{}` twice (also at line {}): Storm keeps only the last grouping", to.value, from.value, first.loc.pos.line),
                    "remove one of the two streams".to_string(),
                );
            }
        }
    }
}

fn grouping(stream: &StreamDef, merged: &Merged, diags: &mut Vec<Diagnostic>) {
    let Some(g) = &stream.grouping else { return };
    let Some(kind) = &g.kind else { return };
    if kind.unsubstituted() {
        return;
    }
    if !grouping_kind(g, kind, diags) {
        return;
    }
    let Some(from) = &stream.from else { return };
    let Some(source) = merged
        .spouts
        .iter()
        .chain(&merged.bolts)
        .find(|b| id_of(b) == Some(from.value.as_str()))
    else {
        return;
    };
    let declared = streams::declared(source);
    let Declared::Known(list) = &declared else {
        return;
    };
    let stream_id = g.stream_id.as_ref().map_or("default", |t| t.value.as_str());
    if g.stream_id.as_ref().is_some_and(Text::unsubstituted) {
        return;
    }
    let at = g.stream_id.as_ref().unwrap_or(kind);
    let Some(declared_stream) = declared.stream(stream_id) else {
        let names: Vec<&str> = list.iter().map(|s| s.name.as_str()).collect();
        no_such_stream(from, source, &names, stream_id, at, diags);
        return;
    };
    if kind.value != "FIELDS" {
        return;
    }
    for field in g.args.iter().flatten() {
        grouped_field(field, from, stream_id, declared_stream, diags);
    }
}

/// The grouping `type` is one Flux knows, with the keys it needs and no keys it ignores;
/// `false` when the type is unknown (nothing more can be checked).
fn grouping_kind(g: &GroupingDef, kind: &Text, diags: &mut Vec<Diagnostic>) -> bool {
    if !GROUPINGS.contains(&kind.value.as_str()) {
        let fix = closest(&kind.value, GROUPINGS.iter().copied()).map_or_else(
            || format!("use one of: {}", GROUPINGS.join(", ")),
            |best| format!("did you mean `{best}`? (upper case, as Flux's enum)"),
        );
        err(
            diags,
            kind,
            format!(
                "unknown grouping type `{}`: Flux (SnakeYAML) refuses the file",
                kind.value
            ),
            fix,
        );
        return false;
    }
    match kind.value.as_str() {
        "FIELDS" => match &g.args {
            Some(args) if !args.is_empty() => {}
            _ => err(
                diags,
                kind,
                "FIELDS grouping without `args`: Flux fails with a NullPointerException"
                    .to_string(),
                "add the fields to group on: `args: [\"word\"]`".to_string(),
            ),
        },
        "CUSTOM" if g.custom_class.is_none() => err(
            diags,
            kind,
            "CUSTOM grouping without `customClass`: Flux fails with a NullPointerException"
                .to_string(),
            "add `customClass: {className: \"com.example.MyGrouping\"}` (a CustomStreamGrouping)"
                .to_string(),
        ),
        _ => {}
    }
    if kind.value != "CUSTOM" && g.custom_class.is_some() {
        warn(
            diags,
            kind,
            format!("`customClass` is ignored by a {} grouping", kind.value),
            "use `type: CUSTOM`, or remove `customClass`".to_string(),
        );
    }
    if kind.value != "FIELDS" && g.args.as_ref().is_some_and(|a| !a.is_empty()) {
        warn(
            diags,
            kind,
            format!("`args` is ignored by a {} grouping", kind.value),
            "use `type: FIELDS` to group on fields, or remove `args`".to_string(),
        );
    }
    true
}

/// The stream `stream_id` a stream takes from `source` is not among its declared `names`.
fn no_such_stream(
    from: &Text,
    source: &BeanDef,
    names: &[&str],
    stream_id: &str,
    at: &Text,
    diags: &mut Vec<Diagnostic>,
) {
    let what = streams::class_of(source)
        .unwrap_or("")
        .rsplit('.')
        .next()
        .unwrap_or("");
    let fix = if names.is_empty() && streams::is_flux_shell(source) {
        format!("declare the output fields of `{}`: a second constructor argument such as `- [\"word\"]`, or `configMethods: [{{name: setNamedStream, args: [\"{stream_id}\", [\"word\"]]}}]`", from.value)
    } else if names.is_empty() {
        format!(
            "`{}` ({what}) emits nothing; take the stream from another component",
            from.value
        )
    } else if let Some(best) = closest(stream_id, names.iter().copied()) {
        format!("did you mean `{best}`? (declared: {})", names.join(", "))
    } else {
        format!(
            "use one of its streams ({}) or declare `{stream_id}` with `setNamedStream`",
            names.join(", ")
        )
    };
    err(
        diags,
        at,
        format!("`{}` ({what}) declares no stream `{stream_id}`: Nimbus rejects the topology (\"subscribes from non-existent stream\")", from.value),
        fix,
    );
}

/// A FIELDS grouping's field is one the stream it groups declares.
fn grouped_field(
    field: &Text,
    from: &Text,
    stream_id: &str,
    declared_stream: &streams::Stream,
    diags: &mut Vec<Diagnostic>,
) {
    let have: Vec<&str> = declared_stream
        .fields
        .iter()
        .map(|t| t.value.as_str())
        .collect();
    if field.unsubstituted() || have.contains(&field.value.as_str()) {
        return;
    }
    let fix = closest(&field.value, have.iter().copied()).map_or_else(
        || {
            format!(
                "group on one of the declared fields ({}), or declare `{}` at line {}",
                have.join(", "),
                field.value,
                declared_stream.loc.pos.line
            )
        },
        |best| {
            format!(
                "did you mean `{best}`? (declared at line {}: {})",
                declared_stream.loc.pos.line,
                have.join(", ")
            )
        },
    );
    err(
        diags,
        field,
        format!(
            "FIELDS grouping on `{}`, but stream `{stream_id}` of `{}` declares only [{}]",
            field.value,
            from.value,
            have.join(", ")
        ),
        fix,
    );
}

/// Bolts no stream reaches are dropped by Flux; a stream from such a bolt then comes from a
/// component Storm never sees.
fn reachability(merged: &Merged, diags: &mut Vec<Diagnostic>) {
    let targets: BTreeSet<&str> = merged
        .streams
        .iter()
        .filter_map(|s| s.to.as_ref())
        .map(|t| t.value.as_str())
        .collect();
    let sources: BTreeSet<&str> = merged
        .streams
        .iter()
        .filter_map(|s| s.from.as_ref())
        .map(|t| t.value.as_str())
        .collect();
    let bolt_ids: Vec<&str> = merged.bolts.iter().filter_map(id_of).collect();
    // A bolt that a misspelt `to` was meant for is already named in that error's fix.
    let meant: BTreeSet<&str> = targets
        .iter()
        .filter(|t| !bolt_ids.contains(t))
        .filter_map(|t| closest(t, bolt_ids.iter().copied()))
        .collect();
    for bolt in &merged.bolts {
        let Some(id) = &bolt.id else { continue };
        let name = id.value.as_str();
        if targets.contains(name) || (meant.contains(name) && !sources.contains(name)) {
            continue;
        }
        if sources.contains(id.value.as_str()) {
            err(
                diags,
                id,
                format!("bolt `{}` receives no stream, so Flux leaves it out, yet streams come from it: Nimbus rejects the topology (\"subscribes from non-existent component\")", id.value),
                format!("add a stream with `to: \"{}\"`", id.value),
            );
        } else {
            warn(
                diags,
                id,
                format!("bolt `{}` receives no stream: Flux leaves it out of the topology without a word", id.value),
                format!("add a stream with `to: \"{}\"`, or remove the bolt", id.value),
            );
        }
    }
    for spout in &merged.spouts {
        let Some(id) = &spout.id else { continue };
        if !sources.contains(id.value.as_str()) {
            warn(
                diags,
                id,
                format!(
                    "spout `{}` has no outgoing stream: what it emits goes nowhere",
                    id.value
                ),
                format!(
                    "add a stream with `from: \"{}\"`, or remove the spout",
                    id.value
                ),
            );
        }
    }
}

fn parallelism(bean: &BeanDef, diags: &mut Vec<Diagnostic>) {
    let id = id_of(bean).unwrap_or("?");
    if let Some(p) = &bean.parallelism {
        if p.value < 1 {
            diags.push(Diagnostic::at(
                Severity::Error,
                &p.loc,
                format!("`{id}` has parallelism {}: Storm requires at least 1 (\"Parallelism must be positive\")", p.value),
                "set `parallelism: 1` or more".to_string(),
            ));
        }
    }
    if let (Some(tasks), p) = (
        &bean.num_tasks,
        bean.parallelism.as_ref().map_or(1, |p| p.value),
    ) {
        if tasks.value >= 0 && tasks.value < p {
            diags.push(Diagnostic::at(
                Severity::Warning,
                &tasks.loc,
                format!("`{id}` has numTasks {} below its parallelism {p}: Storm runs only {} executors", tasks.value, tasks.value),
                format!("set `numTasks: {p}` or more, or lower the parallelism"),
            ));
        }
    }
}

/// Flux's own classes in the wrong list: "Class does not appear to be a bolt" and the like.
fn wrong_kind(bean: &BeanDef, diags: &mut Vec<Diagnostic>) {
    let Some(class) = &bean.object.class_name else {
        return;
    };
    let (wrong, right) = match (bean.kind, class.value.as_str()) {
        (BeanKind::Bolt, FLUX_SHELL_SPOUT) => ("a spout class under `bolts`", FLUX_SHELL_BOLT),
        (BeanKind::Spout, FLUX_SHELL_BOLT | LOG_INFO_BOLT) => {
            ("a bolt class under `spouts`", FLUX_SHELL_SPOUT)
        }
        _ => return,
    };
    err(diags, class, format!("`{}` is {wrong}: Flux fails (\"Class does not appear to be a bolt\" / ClassCastException)", class.value), format!("use `{right}`, or move the definition to the other list"));
}

fn classes(merged: &Merged, ctx: &CheckContext<'_>, diags: &mut Vec<Diagnostic>) {
    let mut objects: Vec<(&ObjectDef, &str)> = Vec::new();
    for bean in merged
        .components
        .iter()
        .chain(&merged.spouts)
        .chain(&merged.bolts)
        .chain(&merged.worker_hooks)
    {
        objects.push((&bean.object, bean.kind.noun()));
    }
    if let Some(source) = &merged.topology_source {
        objects.push((source, "topologySource"));
    }
    for stream in &merged.streams {
        if let Some(custom) = stream
            .grouping
            .as_ref()
            .and_then(|g| g.custom_class.as_ref())
        {
            objects.push((custom, "customClass"));
        }
    }
    let mut jar_classes: Vec<String> = ctx
        .jar_paths
        .iter()
        .filter_map(|p| super::classpath::class_name(p))
        .collect();
    jar_classes.extend(ctx.class_names.into_iter().flatten().cloned());
    jar_classes.sort();
    jar_classes.dedup();
    for (object, what) in objects {
        let Some(class) = &object.class_name else {
            continue;
        };
        if class.unsubstituted() || ctx.class_present(&class.value) {
            continue;
        }
        let simple = class.value.rsplit('.').next().unwrap_or(&class.value);
        let same_simple: Vec<&String> = jar_classes
            .iter()
            .filter(|c| c.rsplit('.').next() == Some(simple))
            .collect();
        let fix = if let Some(found) = same_simple.first() {
            format!("did you mean `{found}`?")
        } else if let Some(best) = closest(&class.value, jar_classes.iter().map(String::as_str)) {
            format!("did you mean `{best}`?")
        } else if class.value.starts_with("org.apache.storm.flux.") {
            "add org.apache.storm:flux-core and flux-wrappers as compile dependencies (they are shaded into the jar)".to_string()
        } else {
            "add the dependency that provides it (compile scope, so it is shaded into the jar), or fix the name".to_string()
        };
        err(diags, class, format!("class `{}` ({what}) is neither in the jar nor in Storm's runtime: Flux fails with ClassNotFoundException", class.value), fix);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use super::super::{check, CheckContext};

    const SPOUT: &str = "org.apache.storm.flux.wrappers.spouts.FluxShellSpout";
    const BOLT: &str = "org.apache.storm.flux.wrappers.bolts.FluxShellBolt";

    /// Diagnostics for a topology text, as `line:col severity: message`.
    fn run_with(yaml: &str, ctx: &CheckContext<'_>) -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("topology.yaml");
        std::fs::write(&path, yaml).unwrap();
        check(Path::new(&path), ctx)
            .unwrap()
            .iter()
            .map(|d| format!("{}:{} {:?}: {}", d.line, d.column, d.severity, d.message))
            .collect()
    }

    fn run(yaml: &str) -> Vec<String> {
        run_with(yaml, &CheckContext::bare())
    }

    fn base(extra_bolts: &str, streams: &str) -> String {
        format!(
            "name: t\nspouts:\n  - id: s\n    className: {SPOUT}\n    constructorArgs: [[python3, s.py], [line]]\nbolts:\n  - id: b\n    className: {BOLT}\n    constructorArgs: [[python3, b.py], [word, n]]\n    configMethods:\n      - name: setNamedStream\n        args: [errors, [reason]]\n{extra_bolts}streams:\n  - {{from: s, to: b, grouping: {{type: SHUFFLE}}}}\n{streams}"
        )
    }

    #[test]
    fn good_wordcount_has_no_findings() {
        let diags = run(&base(
            "  - id: log\n    className: org.apache.storm.flux.wrappers.bolts.LogInfoBolt\n",
            "  - {from: b, to: log, grouping: {type: FIELDS, args: [reason], streamId: errors}}\n",
        ));
        assert!(diags.is_empty(), "{diags:#?}");
    }

    #[test]
    fn spout_and_bolt_sharing_an_id() {
        let yaml = base(
            "  - id: s\n    className: com.x.B\n",
            "  - {from: b, to: s, grouping: {type: SHUFFLE}}\n",
        );
        let diags = run(&yaml);
        assert!(
            diags
                .iter()
                .any(|d| d.contains("Error: `s` is both a spout and a bolt id")),
            "{diags:#?}"
        );
    }

    #[test]
    fn stream_from_a_bolt_nothing_reaches_is_an_error() {
        let yaml = base(
            "  - id: orphan\n    className: com.x.B\n  - id: sink\n    className: com.x.C\n",
            "  - {from: orphan, to: sink, grouping: {type: SHUFFLE}}\n",
        );
        let diags = run(&yaml);
        assert!(diags.iter().any(|d| d.contains("Error: bolt `orphan` receives no stream, so Flux leaves it out, yet streams come from it")), "{diags:#?}");
    }

    #[test]
    fn parallelism_and_tasks() {
        let yaml = base("  - id: c\n    className: com.x.C\n    parallelism: 0\n  - id: d\n    className: com.x.D\n    parallelism: 4\n    numTasks: 2\n", "  - {from: b, to: c, grouping: {type: SHUFFLE}}\n  - {from: b, to: d, grouping: {type: SHUFFLE}}\n");
        let diags = run(&yaml);
        assert!(
            diags
                .iter()
                .any(|d| d.contains("Error: `c` has parallelism 0")),
            "{diags:#?}"
        );
        assert!(
            diags
                .iter()
                .any(|d| d.contains("Warning: `d` has numTasks 2 below its parallelism 4")),
            "{diags:#?}"
        );
    }

    #[test]
    fn shell_classes_in_the_wrong_list_and_bad_commands() {
        let yaml = base(
            &format!("  - id: w\n    className: {SPOUT}\n    constructorArgs: [[python3, w.py], [x]]\n  - id: c\n    className: {BOLT}\n    constructorArgs: [\"python3 c.py\", [x]]\n  - id: e\n    className: {BOLT}\n"),
            "  - {from: b, to: w, grouping: {type: SHUFFLE}}\n  - {from: b, to: c, grouping: {type: SHUFFLE}}\n  - {from: b, to: e, grouping: {type: SHUFFLE}}\n",
        );
        let diags = run(&yaml);
        assert!(
            diags
                .iter()
                .any(|d| d.contains("is a spout class under `bolts`")),
            "{diags:#?}"
        );
        assert!(
            diags.iter().any(|d| d.contains(
                "the command of FluxShellBolt `c` must be a list of strings, found a single value"
            )),
            "{diags:#?}"
        );
        assert!(
            diags
                .iter()
                .any(|d| d.contains("FluxShellBolt `e` has no constructorArgs")),
            "{diags:#?}"
        );
    }

    #[test]
    fn commands_checked_against_the_jar() {
        let paths: BTreeSet<String> = [
            "resources/s.py",
            "resources/b.py",
            "resources/storm.py",
            "resources/launch.sh",
            "resources/tool",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let exists = |_: &str| true;
        let ctx = CheckContext::with_jar(&paths, &exists, &|_| None);
        let yaml = base(
            &format!("  - id: sh\n    className: {BOLT}\n    constructorArgs: [[sh, -e, launch.sh]]\n  - id: inline\n    className: {BOLT}\n    constructorArgs: [[bash, -c, 'exec ./tool']]\n  - id: direct\n    className: {BOLT}\n    constructorArgs: [[tool]]\n  - id: abs\n    className: {BOLT}\n    constructorArgs: [[python3, /opt/x.py]]\n  - id: host\n    className: {BOLT}\n    constructorArgs: [[myprog, arg]]\n  - id: env\n    className: {BOLT}\n    constructorArgs: [[/usr/bin/env, python3, missing.py]]\n  - id: gone\n    className: {BOLT}\n    constructorArgs: [[./bin/missing]]\n"),
            "  - {from: b, to: sh, grouping: {type: SHUFFLE}}\n  - {from: b, to: inline, grouping: {type: SHUFFLE}}\n  - {from: b, to: direct, grouping: {type: SHUFFLE}}\n  - {from: b, to: abs, grouping: {type: SHUFFLE}}\n  - {from: b, to: host, grouping: {type: SHUFFLE}}\n  - {from: b, to: env, grouping: {type: SHUFFLE}}\n  - {from: b, to: gone, grouping: {type: SHUFFLE}}\n",
        );
        let diags = run_with(&yaml, &ctx);
        assert!(
            diags.iter().any(|d| d.contains(
                "Error: `gone` starts `./bin/missing`, but the jar has no `resources/bin/missing`"
            )),
            "{diags:#?}"
        );
        // `sh -e launch.sh` is fine (-e is not inline code for sh); `bash -c` has no file to check.
        assert!(
            !diags
                .iter()
                .any(|d| d.contains("`sh`") || d.contains("`inline`")),
            "{diags:#?}"
        );
        assert!(
            diags.iter().any(|d| d.contains(
                "Error: `direct` starts `tool` (a native binary in resources/) directly"
            )),
            "{diags:#?}"
        );
        assert!(
            diags
                .iter()
                .any(|d| d.contains("Warning: `/opt/x.py` is an absolute path")),
            "{diags:#?}"
        );
        assert!(diags.iter().any(|d| d.contains("Warning: `myprog` (the command of `host`) is neither a known interpreter nor a file of the jar")), "{diags:#?}");
        assert!(
            diags.iter().any(|d| d.contains(
                "Error: `env` runs `missing.py`, but the jar has no `resources/missing.py`"
            )),
            "{diags:#?}"
        );
    }

    #[test]
    fn shape_errors() {
        let diags = run("name: t\nclassName: x\nspouts:\n  - id: s\n    className: com.x.S\n    parallelism: two\n    id: s2\nstreams: {from: s}\n");
        assert!(diags.contains(&"2:1 Error: unknown key `className` in a topology: Flux (SnakeYAML) refuses the file".to_string()), "{diags:#?}");
        assert!(
            diags
                .iter()
                .any(|d| d
                    .starts_with("6:18 Error: `parallelism` must be a whole number, found `two`")),
            "{diags:#?}"
        );
        assert!(
            diags
                .iter()
                .any(|d| d.starts_with("7:5 Warning: `id` is given twice")),
            "{diags:#?}"
        );
        assert!(
            diags
                .iter()
                .any(|d| d.starts_with("8:10 Error: `streams` must be a list, found a mapping")),
            "{diags:#?}"
        );
    }

    #[test]
    fn empty_lists_that_flux_loops_over() {
        let diags = run("name: t\nspouts:\n  - id: s\n    className: com.x.S\n    constructorArgs:\nbolts:\nstreams: []\n");
        assert!(
            diags
                .iter()
                .any(|d| d.starts_with("5:5 Error: `constructorArgs` is empty (null)")),
            "{diags:#?}"
        );
        assert!(
            diags
                .iter()
                .any(|d| d.starts_with("6:1 Error: `bolts` is empty (null)")),
            "{diags:#?}"
        );
        assert!(
            !diags.iter().any(|d| d.contains("`streams` is empty")),
            "{diags:#?}"
        );
    }

    #[test]
    fn topology_source_with_spouts_and_missing_name() {
        let diags = run("topologySource:\n  className: com.x.Source\nspouts:\n  - id: s\n    className: com.x.S\n");
        assert!(
            diags
                .iter()
                .any(|d| d.starts_with("1:1 Error: the topology has no `name`")),
            "{diags:#?}"
        );
        assert!(
            diags
                .iter()
                .any(|d| d
                    .contains("Error: `topologySource` and spouts/bolts/streams in one topology")),
            "{diags:#?}"
        );
    }

    #[test]
    fn anchors_and_merge_keys_are_followed() {
        let yaml = format!(
            "name: t\nspouts:\n  - id: s\n    className: {SPOUT}\n    constructorArgs: [[python3, s.py], [line]]\nbolts:\n  - &shell\n    id: a\n    className: {BOLT}\n    constructorArgs: [[python3, b.py], [word]]\n  - <<: *shell\n    id: b\nstreams:\n  - {{from: s, to: a, grouping: {{type: SHUFFLE}}}}\n  - {{from: a, to: b, grouping: {{type: FIELDS, args: [word]}}}}\n"
        );
        let diags = run(&yaml);
        assert!(diags.is_empty(), "{diags:#?}");
    }

    #[test]
    fn includes_follow_override_rules() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("extra.yaml"),
            format!("name: other\nbolts:\n  - id: b\n    className: {BOLT}\n    constructorArgs: [[python3, b.py], [other]]\n  - id: c\n    className: {BOLT}\n    constructorArgs: [[python3, c.py], [x]]\nincludes:\n  - file: deeper.yaml\n"),
        )
        .unwrap();
        let main = format!(
            "name: main\nincludes:\n  - file: extra.yaml\n    override: OVERRIDE\nspouts:\n  - id: s\n    className: {SPOUT}\n    constructorArgs: [[python3, s.py], [line]]\nbolts:\n  - id: b\n    className: {BOLT}\n    constructorArgs: [[python3, b.py], [word]]\nstreams:\n  - {{from: s, to: b, grouping: {{type: SHUFFLE}}}}\n  - {{from: b, to: c, grouping: {{type: FIELDS, args: [word]}}}}\n"
        );
        let path = dir.path().join("topology.yaml");
        let ctx = CheckContext::bare();
        std::fs::write(&path, main.replace("OVERRIDE", "false")).unwrap();
        let diags = check(&path, &ctx).unwrap();
        // The main file's `b` (declaring `word`) is kept; the nested include is ignored, with a warning.
        assert_eq!(diags.len(), 1, "{diags:#?}");
        assert!(diags[0]
            .message
            .contains("ignores `includes` inside an included file"));
        assert!(diags[0].file.ends_with("extra.yaml"));
        assert!(super::super::to_dot(&path, &ctx)
            .unwrap()
            .starts_with("digraph \"main\""));
        std::fs::write(&path, main.replace("OVERRIDE", "true")).unwrap();
        // With override, the include's `b` (declaring only `other`) replaces it, and the name is `other`.
        let diags = check(&path, &ctx).unwrap();
        assert_eq!(diags.len(), 2, "{diags:#?}");
        assert!(
            diags[0]
                .message
                .contains("stream `default` of `b` declares only [other]"),
            "{diags:#?}"
        );
        assert!(super::super::to_dot(&path, &ctx)
            .unwrap()
            .starts_with("digraph \"other\""));
    }
}
