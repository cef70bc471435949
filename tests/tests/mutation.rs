//! Corpus workflows, mutated at random (deterministically), never make compilation panic.
//! Each mutation inserts expression delimiters, YAML indicators or aliases, or deletes text,
//! which reaches deep into the loader, the parsers and the inspection walks.

use ostinato_tests::{case_files, corpus_dir, load_case};

const ROUNDS: u64 = 5_000;
const PIECES: [&str; 27] = [
    "<%", "%>", "{{", "}}", "{%", "%}", "ctx(", ")", "(", "[", "]", "'", "\"", ",", ":", "\n", "  ", "- ",
    "&a ", "*a", "join: ", "do: ", "__", "=", "|", "is ", "not ",
];

/// xorshift64: a fixed seed makes every failure reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng, text: &str) -> String {
    let mut t: Vec<char> = text.chars().collect();
    for _ in 0..=rng.below(4) {
        if t.is_empty() {
            break;
        }
        let at = rng.below(t.len());
        match rng.below(3) {
            0 => {
                t.remove(at);
            }
            1 => {
                let piece = PIECES[rng.below(PIECES.len())];
                for (k, c) in piece.chars().enumerate() {
                    t.insert(at + k, c);
                }
            }
            _ => {
                let len = rng.below(20).min(t.len() - at);
                t.drain(at..at + len);
            }
        }
    }
    t.into_iter().collect()
}

#[test]
fn mutated_corpus_workflows_never_panic() {
    let texts: Vec<String> = case_files(&corpus_dir())
        .expect("corpus")
        .iter()
        .map(|f| load_case(f).expect("case").workflow)
        .collect();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for round in 0..ROUNDS {
        let pick = rng.below(texts.len());
        let text = mutate(&mut rng, &texts[pick]);
        let outcome = std::panic::catch_unwind(|| ostinato_core::compile(&text));
        assert!(outcome.is_ok(), "round {round} panicked on:\n{text}");
    }
}
