//! Reliable sentence spout: cycles through a list of sentences, one per `next_tuple`, each with a
//! message id; failed sentences are emitted again.
//!
//! Inject hook for end-to-end tests: when the topology configuration has a non-empty
//! `wordcount.marker` (topology.yaml's `config:`, written in place at build time or filled in by
//! Flux's `--filter`), the spout also emits the sentence "marker <value>", so the marker word shows
//! up in the counts of that run only. A reference Flux left unresolved is ignored.

use std::collections::{BTreeMap, VecDeque};
use std::process::ExitCode;
use std::time::Duration;

use stormpack_multilang::{run_spout, BoxError, Conf, Context, Spout, SpoutOutput, Value};

const SENTENCES: &[&str] = &[
    "the cow jumped over the moon",
    "an apple a day keeps the doctor away",
    "four score and seven years ago",
    "snow white and the seven dwarfs",
    "i am at two with nature",
];

/// Sentences in flight at most; beyond that `next_tuple` waits for acks.
const MAX_PENDING: usize = 1000;

struct SentenceSpout {
    sentences: Vec<String>,
    next: usize,
    next_id: u64,
    /// Emitted, not yet acked: message id -> sentence.
    pending: BTreeMap<u64, String>,
    /// Failed sentences, emitted again before new ones.
    replay: VecDeque<(u64, String)>,
    pause: Duration,
}

/// `wordcount.marker` from the topology configuration, unless Flux left it unfiltered
/// (`${marker}` when the topology was submitted without `--filter`).
fn marker(conf: &Conf) -> Option<String> {
    let value = match conf.get("wordcount.marker")? {
        Value::String(s) => s.trim().to_string(),
        Value::Null => return None,
        other => other.to_string(),
    };
    (!value.is_empty() && !value.starts_with("${")).then_some(value)
}

impl Spout for SentenceSpout {
    fn open(
        &mut self,
        conf: &Conf,
        ctx: &Context,
        out: &mut SpoutOutput<'_>,
    ) -> Result<(), BoxError> {
        if let Some(marker) = marker(conf) {
            self.sentences.push(format!("marker {marker}"));
            out.info(format_args!("sentence-spout: marker {marker}"))?;
        }
        if let Some(ms) = conf.get("wordcount.pause.ms").and_then(Value::as_u64) {
            self.pause = Duration::from_millis(ms);
        }
        out.info(format_args!(
            "sentence-spout task {} opened with {} sentences",
            ctx.task_id,
            self.sentences.len()
        ))?;
        Ok(())
    }

    fn next_tuple(&mut self, out: &mut SpoutOutput<'_>) -> Result<(), BoxError> {
        if let Some((id, sentence)) = self.replay.pop_front() {
            out.emit_reliable(id, &[&sentence])?;
            self.pending.insert(id, sentence);
            return Ok(());
        }
        if self.pending.len() >= MAX_PENDING {
            std::thread::sleep(Duration::from_millis(1));
            return Ok(());
        }
        let sentence = self.sentences[self.next % self.sentences.len()].clone();
        self.next += 1;
        self.next_id += 1;
        out.emit_reliable(self.next_id, &[&sentence])?;
        self.pending.insert(self.next_id, sentence);
        // Storm calls next_tuple in a tight loop; keep the example's rate modest.
        std::thread::sleep(self.pause);
        Ok(())
    }

    fn ack(&mut self, id: &Value, _: &mut SpoutOutput<'_>) -> Result<(), BoxError> {
        if let Some(id) = id.as_u64() {
            self.pending.remove(&id);
        }
        Ok(())
    }

    fn fail(&mut self, id: &Value, out: &mut SpoutOutput<'_>) -> Result<(), BoxError> {
        let Some(id) = id.as_u64() else { return Ok(()) };
        if let Some(sentence) = self.pending.remove(&id) {
            out.warn(format_args!(
                "sentence {id} failed, emitting it again: {sentence}"
            ))?;
            self.replay.push_back((id, sentence));
        }
        Ok(())
    }
}

fn main() -> ExitCode {
    run_spout(SentenceSpout {
        sentences: SENTENCES.iter().map(|s| s.to_string()).collect(),
        next: 0,
        next_id: 0,
        pending: BTreeMap::new(),
        replay: VecDeque::new(),
        pause: Duration::from_millis(50),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marker_comes_from_the_filtered_conf_only() {
        let conf = |v: Value| Conf::from_iter([("wordcount.marker".to_string(), v)]);
        assert_eq!(
            marker(&conf(Value::from("zebra42"))),
            Some("zebra42".to_string())
        );
        assert_eq!(
            marker(&conf(Value::from("${marker}"))),
            None,
            "unfiltered placeholder"
        );
        assert_eq!(marker(&conf(Value::from(" "))), None);
        assert_eq!(marker(&conf(Value::from(7))), Some("7".to_string()));
        assert_eq!(marker(&Conf::new()), None);
    }
}
