//! Split bolt (basic mode): one `word` tuple per word of the sentence, anchored to it; the
//! sentence is acked when all words are emitted.

use std::process::ExitCode;

use stormpack_multilang::{run_basic_bolt, Bolt, BoltOutput, BoxError, Tuple};

struct SplitBolt;

impl Bolt for SplitBolt {
    fn execute(&mut self, input: &Tuple, out: &mut BoltOutput<'_>) -> Result<(), BoxError> {
        let sentence = input
            .str(0)
            .ok_or("split-bolt expects a sentence string as field 0")?;
        for word in sentence.split_whitespace() {
            out.emit(&[word])?;
        }
        Ok(())
    }
}

fn main() -> ExitCode {
    run_basic_bolt(SplitBolt)
}
