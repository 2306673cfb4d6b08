//! Count bolt (basic mode): counts words, emits `word, count` and logs `count: <word> <n>`
//! through the protocol, so the counts show in Storm's worker log.

use std::collections::HashMap;
use std::process::ExitCode;

use stormpack_multilang::{run_basic_bolt, Bolt, BoltOutput, BoxError, Tuple};

#[derive(Default)]
struct CountBolt {
    counts: HashMap<String, u64>,
}

impl CountBolt {
    fn count(&mut self, word: &str) -> u64 {
        // Look up before inserting so a known word costs no allocation.
        if let Some(n) = self.counts.get_mut(word) {
            *n += 1;
            return *n;
        }
        self.counts.insert(word.to_string(), 1);
        1
    }
}

impl Bolt for CountBolt {
    fn execute(&mut self, input: &Tuple, out: &mut BoltOutput<'_>) -> Result<(), BoxError> {
        let word = input
            .str(0)
            .ok_or("count-bolt expects a word string as field 0")?;
        let n = self.count(word);
        out.emit(&(word, n))?;
        out.info(format_args!("count: {word} {n}"))?;
        Ok(())
    }
}

fn main() -> ExitCode {
    run_basic_bolt(CountBolt::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_grow_per_word() {
        let mut bolt = CountBolt::default();
        assert_eq!(bolt.count("the"), 1);
        assert_eq!(bolt.count("cow"), 1);
        assert_eq!(bolt.count("the"), 2);
    }
}
