//! Test components for the conformance harness (tests/conformance.rs) and the benchmark. Each
//! mode mirrors one in tests/conformance/components.py, which uses Storm's storm.py.
//!
//! Usage: conformance <split|ids|logger|crash|panic|print|banner|spout>

use std::process::ExitCode;

use stormpack_multilang::{
    run_basic_bolt, run_bolt, run_spout, Bolt, BoltEmit, BoltOutput, BoxError, Conf, Context,
    Level, Spout, SpoutOutput, Tuple, Value,
};

fn context_line(conf: &Conf, ctx: &Context) -> String {
    let tasks: Vec<String> = ctx
        .component_tasks("count")
        .iter()
        .map(i64::to_string)
        .collect();
    let fields = ctx.output_fields("default").unwrap_or_default().join(",");
    let marker = match conf.get("test.marker") {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => "None".to_string(),
    };
    format!(
        "context componentid={} taskid={} marker={marker} count-tasks={} fields={fields}",
        ctx.component_id,
        ctx.task_id,
        tasks.join(",")
    )
}

/// Basic bolt: splits sentences into words; "boom" is an error (the tuple is failed).
struct Split;

impl Bolt for Split {
    fn prepare(
        &mut self,
        conf: &Conf,
        ctx: &Context,
        out: &mut BoltOutput<'_>,
    ) -> Result<(), BoxError> {
        out.info(context_line(conf, ctx))?;
        Ok(())
    }

    fn execute(&mut self, input: &Tuple, out: &mut BoltOutput<'_>) -> Result<(), BoxError> {
        let sentence = input.str(0).ok_or("expected a sentence string")?;
        if sentence == "boom" {
            return Err("cannot split boom".into());
        }
        for word in sentence.split_whitespace() {
            out.emit(&[word])?;
        }
        Ok(())
    }
}

/// Plain bolt: asks for task ids, emits direct and on a named stream, acks itself.
struct Ids {
    direct_task: i64,
}

impl Bolt for Ids {
    fn prepare(&mut self, _: &Conf, ctx: &Context, _: &mut BoltOutput<'_>) -> Result<(), BoxError> {
        self.direct_task = *ctx
            .component_tasks("count")
            .first()
            .ok_or("no count tasks in the context")?;
        Ok(())
    }

    fn execute(&mut self, input: &Tuple, out: &mut BoltOutput<'_>) -> Result<(), BoxError> {
        let word = input.str(0).ok_or("expected a word")?;
        let ids = out
            .emit_with(BoltEmit::new().anchor(input).need_task_ids(), &[word])?
            .unwrap_or_default();
        let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
        out.info(format_args!("task ids {}: {}", input.id, ids.join(",")))?;
        out.emit_with(
            BoltEmit::new()
                .anchor(input)
                .stream("direct")
                .direct(self.direct_task),
            &[word],
        )?;
        out.emit_with(
            BoltEmit::new().anchor(input).stream("lengths"),
            &[word.len()],
        )?;
        out.ack(input)?;
        Ok(())
    }
}

/// Logs at every level, reports an error, sends metrics, acks.
struct Logger;

impl Bolt for Logger {
    fn execute(&mut self, input: &Tuple, out: &mut BoltOutput<'_>) -> Result<(), BoxError> {
        for (n, level) in [
            Level::Trace,
            Level::Debug,
            Level::Info,
            Level::Warn,
            Level::Error,
        ]
        .into_iter()
        .enumerate()
        {
            out.log(level, format_args!("level {n}"))?;
        }
        out.report_error("reported problem")?;
        out.metrics("counter", &serde_json::json!({"n": 1}))?;
        out.ack(input)?;
        Ok(())
    }
}

/// Plain bolt whose execute returns an error (or panics).
struct Crash {
    panic: bool,
}

impl Bolt for Crash {
    fn execute(&mut self, input: &Tuple, _: &mut BoltOutput<'_>) -> Result<(), BoxError> {
        let value = input.get(0).map(Value::to_string).unwrap_or_default();
        let value = value.trim_matches('"');
        if self.panic {
            panic!("crash on {value}");
        }
        Err(format!("crash on {value}").into())
    }
}

/// Basic bolt that prints to stdout in execute (the runner sends that to stderr).
struct Print;

impl Bolt for Print {
    fn execute(&mut self, input: &Tuple, out: &mut BoltOutput<'_>) -> Result<(), BoxError> {
        println!("debug print from execute");
        out.emit(&[input.get(0)])?;
        Ok(())
    }
}

/// Reliable spout: message ids 1, 2, ...; logs activate/deactivate/ack/fail.
struct Sentences {
    n: u64,
}

impl Spout for Sentences {
    fn activate(&mut self, out: &mut SpoutOutput<'_>) -> Result<(), BoxError> {
        out.info("activated")?;
        Ok(())
    }

    fn deactivate(&mut self, out: &mut SpoutOutput<'_>) -> Result<(), BoxError> {
        out.info("deactivated")?;
        Ok(())
    }

    fn next_tuple(&mut self, out: &mut SpoutOutput<'_>) -> Result<(), BoxError> {
        self.n += 1;
        out.emit_reliable(self.n, &[format!("sentence {}", self.n)])?;
        Ok(())
    }

    fn ack(&mut self, id: &Value, out: &mut SpoutOutput<'_>) -> Result<(), BoxError> {
        out.info(format_args!("acked {id}"))?;
        Ok(())
    }

    fn fail(&mut self, id: &Value, out: &mut SpoutOutput<'_>) -> Result<(), BoxError> {
        out.info(format_args!("failed {id}"))?;
        Ok(())
    }
}

fn main() -> ExitCode {
    let mode = std::env::args().nth(1).unwrap_or_default();
    match mode.as_str() {
        "split" => run_basic_bolt(Split),
        "banner" => {
            // A startup banner on stdout before the run loop owns it: Storm must reject this.
            println!("Starting word splitter...");
            run_basic_bolt(Split)
        }
        "ids" => run_bolt(Ids { direct_task: 0 }),
        "logger" => run_bolt(Logger),
        "crash" => run_bolt(Crash { panic: false }),
        "panic" => run_bolt(Crash { panic: true }),
        "print" => run_basic_bolt(Print),
        "spout" => run_spout(Sentences { n: 0 }),
        other => {
            eprintln!("conformance: unknown mode {other:?}; use split|ids|logger|crash|panic|print|banner|spout");
            ExitCode::from(2)
        }
    }
}
