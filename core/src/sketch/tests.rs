use super::*;
use crate::query::parse;

fn sketch_of(rows: &[(&str, &str)]) -> Vec<u8> {
    let mut builder = SketchBuilder::new(2 * rows.len() as u64);
    for (field, term) in rows {
        builder.add(field.as_bytes(), term.as_bytes());
    }
    builder.finish()
}

#[test]
fn every_inserted_key_is_found() {
    let mut builder = SketchBuilder::default();
    let rows: Vec<(String, String)> = (0..20_000)
        .map(|i| (format!("f{}", i % 7), format!("term{i}")))
        .collect();
    for (field, term) in &rows {
        builder.add(field.as_bytes(), term.as_bytes());
    }
    let bytes = builder.finish();
    let sketch = Sketch::new(&bytes).unwrap();
    for (field, term) in &rows {
        assert!(sketch.may_contain(term_key(term.as_bytes())));
        assert!(sketch.may_contain(field_term_key(field.as_bytes(), term.as_bytes())));
    }
}

#[test]
fn false_positives_are_rare() {
    let rows: Vec<(String, String)> = (0..50_000)
        .map(|i| ("msg".to_owned(), format!("word{i:06}")))
        .collect();
    let rows: Vec<(&str, &str)> = rows.iter().map(|(f, t)| (&**f, &**t)).collect();
    let bytes = sketch_of(&rows);
    let sketch = Sketch::new(&bytes).unwrap();
    let false_positives = (0..100_000)
        .filter(|i| sketch.may_contain(term_key(format!("absent{i}").as_bytes())))
        .count();
    // 100,000 keys (bare and field-qualified) at 16 or more bits each: about 0.1 %.
    assert!(false_positives < 250, "{false_positives} false positives");
}

#[test]
fn the_filter_is_folded_to_the_keys_seen() {
    // Built for a million keys (65,536 blocks), given a thousand: 16 bits per key is
    // 1,000 × 16 / 256 = 63 blocks; halving stops at 64, folding across block boundaries
    // gives 63 × 65,536 / (65,536 − 63) → 64 as well; for 800 keys (50 blocks) it gives 51.
    let mut builder = SketchBuilder::new(1_000_000);
    for i in 0..500 {
        builder.add(b"f", format!("t{i:04}").as_bytes());
    }
    assert_eq!(builder.keys(), 1_000);
    let mut fewer = SketchBuilder::new(1_000_000);
    for i in 0..400 {
        fewer.add(b"f", format!("t{i:04}").as_bytes());
    }
    assert_eq!(fewer.finish().len(), 51 * BLOCK_BYTES);
    let bytes = builder.finish();
    assert_eq!(bytes.len(), 64 * BLOCK_BYTES);
    let sketch = Sketch::new(&bytes).unwrap();
    for i in 0..500 {
        let term = format!("t{i:04}");
        assert!(sketch.may_contain(term_key(term.as_bytes())));
        assert!(sketch.may_contain(field_term_key(b"f", term.as_bytes())));
    }
    // Too many keys for the filter: overfull, yet never a false "no".
    let mut small = SketchBuilder::new(1);
    for i in 0..2_000 {
        small.add(b"f", format!("t{i}").as_bytes());
    }
    let bytes = small.finish();
    assert_eq!(bytes.len(), BLOCK_BYTES);
    let sketch = Sketch::new(&bytes).unwrap();
    assert!((0..2_000).all(|i| sketch.may_contain(term_key(format!("t{i}").as_bytes()))));
}

/// `count` distinct pseudo-random keys from `seed` (splitmix64).
fn random_keys(seed: u64, count: usize) -> Vec<u64> {
    let mut state = seed;
    (0..count)
        .map(|_| {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        })
        .collect()
}

#[test]
fn folding_to_any_size_keeps_every_key_and_the_false_positive_rate() {
    // From filters far larger than needed (the builder's bound counts rows, not distinct
    // terms) to ones barely larger: every key is still found, the result is never larger than
    // halving gives and close to the target when there is room, and the false "maybe" rate of
    // absent keys stays near that of BITS_PER_KEY.
    for (built_for, keys) in [
        (1_000_000, 1_000),
        (1_000_000, 37_000),
        (400_000, 50_000),
        (100_000, 60_000),
        (3_000_000, 250_000),
    ] {
        let mut builder = SketchBuilder::new(built_for);
        let inserted = random_keys(built_for ^ keys, keys as usize);
        for &key in &inserted {
            builder.insert(key);
        }
        let n = builder.words.len() / 8; // eight 32-bit words per block
        let target = blocks_for(keys);
        let bytes = builder.finish();
        let blocks = bytes.len() / BLOCK_BYTES;
        let sketch = Sketch::new(&bytes).unwrap();
        assert!(
            inserted.iter().all(|&k| sketch.may_contain(k)),
            "{built_for}/{keys}"
        );
        let mut halved = n;
        while halved.is_multiple_of(2) && halved / 2 >= target {
            halved /= 2;
        }
        assert!(
            blocks >= target && blocks <= halved,
            "{blocks} of {target}, halving {halved}"
        );
        if n >= 8 * target {
            assert!(
                blocks * 4 <= target * 5,
                "{blocks} blocks for a target of {target}"
            );
        }
        let absent = random_keys(!keys, 200_000);
        let rate = absent.iter().filter(|&&k| sketch.may_contain(k)).count() as f64 / 2e5;
        assert!(rate < 0.003, "{built_for}/{keys}: {rate}");
    }
}

#[test]
fn repeated_rows_count_once_and_any_order_keeps_every_key() {
    let sorted = sketch_of(&[("a", "x"), ("b", "x"), ("a", "y")]);
    let repeated = sketch_of(&[("a", "x"), ("a", "x"), ("b", "x"), ("a", "y"), ("a", "y")]);
    assert_eq!(sorted, repeated);
    let shuffled = sketch_of(&[("a", "y"), ("b", "x"), ("a", "x"), ("a", "y"), ("b", "x")]);
    let sketch = Sketch::new(&shuffled).unwrap();
    for (field, term) in [("a", "x"), ("b", "x"), ("a", "y")] {
        assert!(sketch.may_contain(field_term_key(field.as_bytes(), term.as_bytes())));
    }
}

#[test]
fn queries_are_answered_by_their_clauses() {
    let bytes = sketch_of(&[
        ("src_ip", "10.1.2.3"),
        ("user", "alice"),
        ("msg", "failed"),
        ("msg", "password"),
    ]);
    let sketch = Sketch::new(&bytes).unwrap();
    let present = |key| sketch.may_contain(key);
    let may = |text: &str| may_match(&parse(text).unwrap(), &present);
    assert!(may("10.1.2.3"));
    assert!(may("src_ip=10.1.2.3"));
    assert!(!may("user=10.1.2.3"), "a term in another field");
    assert!(!may("110.1.2.3"));
    assert!(may("alice 10.1.2.3"));
    assert!(!may("alice 10.9.9.9"), "AND needs every clause");
    assert!(may("alice OR 10.9.9.9"));
    assert!(!may("bob OR 10.9.9.9"));
    assert!(may("alice -10.1.2.3"), "a negation is always maybe");
    assert!(may("\"failed password\""));
    assert!(!may("\"failed login\""), "a phrase needs all its tokens");
    assert!(may("zzz*"), "a prefix cannot be ruled out");
    assert!(
        !may("\"absent failed\"*"),
        "the whole tokens of a prefix phrase count"
    );
    assert!(may("192.168.0.0/16"), "a CIDR block cannot be ruled out");
}

#[test]
fn can_prune_needs_a_key() {
    assert!(can_prune(&parse("alice").unwrap()));
    assert!(can_prune(&parse("alice OR bob").unwrap()));
    assert!(!can_prune(&parse("alice OR adm*").unwrap()));
    assert!(can_prune(&parse("adm* alice").unwrap()));
    assert!(!can_prune(&parse("10.0.0.0/8").unwrap()));
    assert_eq!(probe_keys(&parse("alice -bob alice").unwrap()).len(), 1);
}

#[test]
fn names_and_sizes() {
    let group = "0123456789abcdef0123456789abcdef";
    assert_eq!(sketch_name(group), format!("_s-{group}.sbbf1"));
    assert_eq!(group_of_sketch(&sketch_name(group)), Some(group));
    assert_eq!(group_of_sketch("_s-ab12.sbbf1"), None);
    assert_eq!(group_of_sketch("_s-.sbbf1"), None);
    assert_eq!(group_of_sketch(&format!("_m-{group}.json")), None);
    assert_eq!(block_range(7, 0), None);
    assert_eq!(block_range(7, 33), None);
    assert_eq!(block_range(7, 32), Some(0..32));
    assert!(Sketch::new(&[0; 31]).is_none());
    // An empty group folds to one block, which says no to everything.
    let empty = SketchBuilder::default().finish();
    assert_eq!(empty.len(), 32);
    assert!(!Sketch::new(&empty).unwrap().may_contain(term_key(b"x")));
    // A block of the wrong length is "maybe", never a wrong "no".
    assert!(block_may_contain(&[0; 8], 1));
}

#[test]
fn field_term_key_hashes_field_nul_term_whatever_their_length() {
    // Short pairs are assembled on the stack, long ones on the heap: the key (stored in
    // sketches, asked by every search) must not depend on which.
    for total in [1, 2, 100, 255, 256, 257, 258, 1000] {
        for field_len in [0, 1.min(total - 1), total / 2, total - 1] {
            let field = vec![b'f'; field_len];
            let term = vec![b't'; total - 1 - field_len];
            let mut joined = field.clone();
            joined.push(0);
            joined.extend_from_slice(&term);
            assert_eq!(joined.len(), total);
            assert_eq!(
                field_term_key(&field, &term),
                xxhash_rust::xxh3::xxh3_64(&joined),
                "field {field_len} bytes, term {} bytes",
                term.len()
            );
        }
    }
}
