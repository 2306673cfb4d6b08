//! Which streams and fields a spout or bolt declares, where that can be known without running
//! its code: Flux's shell wrappers declare them in the topology itself (`constructorArgs:
//! [command, fields]`, `setDefaultStream`, `setNamedStream`), and `LogInfoBolt` declares none.
//! For any other class the answer is "unknown", and nothing is guessed.

use super::model::{BeanDef, Loc, Text, Value};

pub const FLUX_SHELL_SPOUT: &str = "org.apache.storm.flux.wrappers.spouts.FluxShellSpout";
pub const FLUX_SHELL_BOLT: &str = "org.apache.storm.flux.wrappers.bolts.FluxShellBolt";
pub const LOG_INFO_BOLT: &str = "org.apache.storm.flux.wrappers.bolts.LogInfoBolt";

/// One declared output stream.
#[derive(Debug, Clone)]
pub struct Stream {
    pub name: String,
    pub fields: Vec<Text>,
    /// Where it is declared.
    pub loc: Loc,
}

#[derive(Debug, Clone)]
pub enum Declared {
    /// The class declares its streams in code.
    Unknown,
    Known(Vec<Stream>),
}

impl Declared {
    pub fn stream(&self, name: &str) -> Option<&Stream> {
        match self {
            Declared::Unknown => None,
            Declared::Known(streams) => streams.iter().find(|s| s.name == name),
        }
    }
}

pub fn is_flux_shell(bean: &BeanDef) -> bool {
    matches!(class_of(bean), Some(FLUX_SHELL_SPOUT | FLUX_SHELL_BOLT))
}

pub fn class_of(bean: &BeanDef) -> Option<&str> {
    bean.object.class_name.as_ref().map(|t| t.value.as_str())
}

/// The streams `bean` declares, in the order `declareOutputFields` sees the last value of each.
pub fn declared(bean: &BeanDef) -> Declared {
    match class_of(bean) {
        Some(LOG_INFO_BOLT) => Declared::Known(Vec::new()),
        Some(FLUX_SHELL_SPOUT | FLUX_SHELL_BOLT) => {
            shell_streams(bean).map_or(Declared::Unknown, Declared::Known)
        }
        _ => Declared::Unknown,
    }
}

fn shell_streams(bean: &BeanDef) -> Option<Vec<Stream>> {
    let mut streams: Vec<Stream> = Vec::new();
    let mut set = |name: String, fields: Vec<Text>, loc: Loc| {
        streams.retain(|s| s.name != name);
        streams.push(Stream { name, fields, loc });
    };
    if let Some(args) = &bean.object.constructor_args {
        if let Some(fields) = args.get(1) {
            set("default".to_string(), fields.strings()?, fields.loc.clone());
        }
    }
    for method in &bean.object.config_methods {
        let name = method.name.as_ref().map(|t| t.value.as_str());
        match (name, method.args.as_slice()) {
            (Some("setDefaultStream"), [fields]) => {
                set("default".to_string(), strings(fields)?, fields.loc.clone())
            }
            (Some("setNamedStream"), [stream, fields]) => {
                let stream_name = stream.node.as_str()?.to_string();
                set(stream_name, strings(fields)?, stream.loc.clone());
            }
            (Some("setDefaultStream" | "setNamedStream"), _) => return None,
            _ => {}
        }
    }
    Some(streams)
}

/// A list of field names; `args: [[word]]` and Flux's list-to-array coercion.
fn strings(value: &Value) -> Option<Vec<Text>> {
    value.strings()
}
