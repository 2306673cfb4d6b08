//! Shell components (`FluxShellSpout`/`FluxShellBolt`): Storm starts `command` with no shell, in
//! the `resources/` directory the supervisor extracted from the jar, without execute bits. So the
//! command must be an interpreter found on the host (`sh`, `python3`, `node`, ...) running a file
//! that is in the jar under `resources/`; a file of the jar started directly cannot run.

use super::model::{BeanDef, Text};
use super::streams::{FLUX_SHELL_BOLT, FLUX_SHELL_SPOUT};
use super::suggest::closest;
use super::{CheckContext, Diagnostic, Severity};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Interpreter {
    Shell,
    Python3,
    /// `python`/`python2`: often missing on Storm 2.x hosts.
    Python,
    Node,
    Ruby,
    Perl,
}

fn interpreter(program: &str) -> Option<Interpreter> {
    let base = program.rsplit('/').next().unwrap_or(program);
    Some(match base {
        "sh" | "bash" | "dash" | "ksh" | "zsh" => Interpreter::Shell,
        "python" | "python2" => Interpreter::Python,
        "node" | "nodejs" => Interpreter::Node,
        "ruby" => Interpreter::Ruby,
        "perl" => Interpreter::Perl,
        _ if base.starts_with("python3") => Interpreter::Python3,
        _ => return None,
    })
}

/// The multilang library each interpreter's components import, shipped under `resources/`.
fn multilang_library(interp: Interpreter) -> Option<(&'static str, &'static str)> {
    match interp {
        Interpreter::Python | Interpreter::Python3 => {
            Some(("resources/storm.py", "org.apache.storm:multilang-python"))
        }
        Interpreter::Node => Some((
            "resources/storm.js",
            "org.apache.storm:multilang-javascript",
        )),
        Interpreter::Ruby => Some(("resources/storm.rb", "org.apache.storm:multilang-ruby")),
        _ => None,
    }
}

const SCRIPT_EXTENSIONS: &[(&str, &str)] = &[
    (".py", "python3"),
    (".sh", "sh"),
    (".js", "node"),
    (".rb", "ruby"),
    (".pl", "perl"),
];

pub fn check(bean: &BeanDef, ctx: &CheckContext<'_>, diags: &mut Vec<Diagnostic>) {
    let class = bean.object.class_name.as_ref().map(|t| t.value.as_str());
    let short = match class {
        Some(FLUX_SHELL_SPOUT) => "FluxShellSpout",
        Some(FLUX_SHELL_BOLT) => "FluxShellBolt",
        _ => return,
    };
    let id = bean.id.as_ref().map_or("?", |t| t.value.as_str());
    let Some(args) = &bean.object.constructor_args else {
        diags.push(Diagnostic::at(
            Severity::Error,
            &bean.object.loc,
            format!("{short} `{id}` has no constructorArgs: Flux needs the command and the output fields"),
            "add `constructorArgs:` with `- [\"python3\", \"my_script.py\"]` and `- [\"field\"]`".to_string(),
        ));
        return;
    };
    if args.len() > 2 {
        diags.push(Diagnostic::at(
            Severity::Error,
            &args[2].loc,
            format!("{short} takes at most two constructor arguments (command, output fields); `{id}` has {}: Flux finds no matching constructor", args.len()),
            "keep `- [command...]` and `- [fields...]`; declare more streams with `configMethods: setNamedStream`".to_string(),
        ));
    }
    let Some(first) = args.first() else {
        diags.push(Diagnostic::at(
            Severity::Error,
            &bean.object.loc,
            format!(
                "{short} `{id}` has an empty constructorArgs: the first argument is the command"
            ),
            "add `- [\"python3\", \"my_script.py\"]` as the first constructor argument".to_string(),
        ));
        return;
    };
    let Some(command) = first.strings() else {
        diags.push(Diagnostic::at(
            Severity::Error,
            &first.loc,
            format!(
                "the command of {short} `{id}` must be a list of strings, found {}",
                first.node.describe()
            ),
            "write it as a list: `- [\"sh\", \"launcher.sh\"]`".to_string(),
        ));
        return;
    };
    let Some(program) = command.first() else {
        diags.push(Diagnostic::at(
            Severity::Error,
            &first.loc,
            format!("the command of {short} `{id}` is empty"),
            "write the command, e.g. `[\"python3\", \"split.py\"]`".to_string(),
        ));
        return;
    };
    if program.unsubstituted() {
        return;
    }
    check_command(id, &command, ctx, diags);
}

fn check_command(id: &str, command: &[Text], ctx: &CheckContext<'_>, diags: &mut Vec<Diagnostic>) {
    let mut program = &command[0];
    let mut rest = &command[1..];
    if program.value.rsplit('/').next() == Some("env") && !rest.is_empty() {
        program = &rest[0];
        rest = &rest[1..];
    }
    let Some(interp) = interpreter(&program.value) else {
        return check_direct(id, program, ctx, diags);
    };
    if interp == Interpreter::Python {
        diags.push(Diagnostic::at(
            Severity::Warning,
            &program.loc,
            format!("`{}` starts `{id}`: Storm 2.x hosts often have only `python3`, and the worker fails with \"Cannot run program\"", program.value),
            "use `python3`".to_string(),
        ));
    }
    let Some(script) = script_argument(rest) else {
        return;
    };
    if script.unsubstituted() {
        return;
    }
    let path = script.value.trim_start_matches("./");
    if path.starts_with('/') {
        diags.push(Diagnostic::at(
            Severity::Warning,
            &script.loc,
            format!("`{path}` is an absolute path: it must exist on every supervisor host, outside the jar"),
            format!("ship it in the jar under resources/ and write `{}`", path.rsplit('/').next().unwrap_or(path)),
        ));
        return;
    }
    if ctx.jar_known {
        let entry = format!("resources/{path}");
        if !ctx.jar_paths.contains(&entry) {
            let shipped = ctx
                .jar_paths
                .iter()
                .filter_map(|p| p.strip_prefix("resources/"))
                .filter(|p| !p.ends_with('/'));
            let fix = match closest(path, shipped) {
                Some(best) => format!("did you mean `{best}`? (the jar has resources/{best})"),
                None => format!("put `{path}` where it lands in the jar as `{entry}` (a Maven project: `multilang/resources/{path}`), or fix the name"),
            };
            diags.push(Diagnostic::at(
                Severity::Error,
                &script.loc,
                format!("`{id}` runs `{path}`, but the jar has no `{entry}`: the worker cannot start it"),
                fix,
            ));
        }
        if let Some((library, artifact)) = multilang_library(interp) {
            if !ctx.jar_paths.contains(library) {
                diags.push(Diagnostic::at(
                    Severity::Warning,
                    &program.loc,
                    format!("`{id}` is a {} component but the jar has no `{library}`, the multilang library it imports", program.value),
                    format!("depend on org.apache.storm:flux-wrappers (it brings {artifact}) or ship the file under resources/"),
                ));
            }
        }
    }
}

/// The first argument that is a script path: options skipped; `-c` (inline code) and `-m`
/// (a module) mean there is no file to check.
fn script_argument(args: &[Text]) -> Option<&Text> {
    for arg in args {
        match arg.value.as_str() {
            "-c" | "-m" | "-e" => return None,
            option if option.starts_with('-') => continue,
            _ => return Some(arg),
        }
    }
    None
}

/// `command[0]` is not an interpreter: a file of the jar started directly has lost its execute
/// bit; anything else must be on the supervisor's PATH.
fn check_direct(id: &str, program: &Text, ctx: &CheckContext<'_>, diags: &mut Vec<Diagnostic>) {
    let path = program.value.trim_start_matches("./");
    let in_jar = ctx.jar_paths.contains(&format!("resources/{path}"));
    let relative =
        program.value.starts_with("./") || (path.contains('/') && !path.starts_with('/'));
    if in_jar || relative {
        let script = SCRIPT_EXTENSIONS
            .iter()
            .find(|(ext, _)| path.ends_with(ext));
        let fix = match script {
            Some((_, interp)) => format!("start it through its interpreter, e.g. `[\"{interp}\", \"{path}\"]`"),
            None => format!("start a launcher through sh: `[\"sh\", \"<launcher>.sh\"]`, e.g. the launcher stormpack stages for Rust components, which restores the bit on its own copy and execs `{path}`"),
        };
        let what = if script.is_some() {
            "a script"
        } else {
            "a native binary"
        };
        if ctx.jar_known && !in_jar {
            diags.push(Diagnostic::at(
                Severity::Error,
                &program.loc,
                format!("`{id}` starts `{}`, but the jar has no `resources/{path}` (and started directly it would lack its execute bit anyway)", program.value),
                format!("ship it under resources/ and {fix}"),
            ));
            return;
        }
        diags.push(Diagnostic::at(
            Severity::Error,
            &program.loc,
            format!("`{id}` starts `{}` ({what} in resources/) directly: the supervisor extracts resources/ without execute bits, so the worker fails with \"Permission denied\"", program.value),
            fix,
        ));
        return;
    }
    if program.value.starts_with('/') {
        return;
    }
    diags.push(Diagnostic::at(
        Severity::Warning,
        &program.loc,
        format!("`{}` (the command of `{id}`) is neither a known interpreter nor a file of the jar: it must be on the PATH of every supervisor host", program.value),
        "use an interpreter (`sh`, `python3`, `node`, `ruby`) with a file shipped under resources/, or an absolute path that exists on the hosts".to_string(),
    ));
}
