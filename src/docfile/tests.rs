use super::*;

fn read(text: &str) -> Result<Value, InputError> {
    read_value(text, Path::new("f.yaml"))
}

#[track_caller]
fn refused(text: &str, says: &str) -> InputError {
    match read(text) {
        Ok(v) => panic!("{text:?} read as {v}"),
        Err(e) => {
            assert!(e.to_string().contains(says), "{e}");
            e
        }
    }
}

#[test]
fn duplicate_keys_name_the_record_and_key_in_json_and_yaml() {
    let e = refused(
        "ops:\n  - op: add-member\n    user: a\n    user: b\n",
        "$.ops[0] has the key \"user\" twice",
    );
    assert_eq!(e.field.as_deref(), Some("user"));
    assert!(
        matches!(e.location, Location::Position { line: 4, .. }),
        "{e}"
    );
    let e = refused(
        r#"{"ops": [{"op": "add-member", "group": "G", "user": "a", "user": "b"}]}"#,
        "$.ops[0] has the key \"user\" twice",
    );
    assert!(
        matches!(e.location, Location::Position { line: 1, .. }),
        "{e}"
    );
    refused("a: 1\na: 2\n", "$ has the key \"a\" twice");
    refused(
        "stages:\n- waves:\n  - actions:\n    - {op: x, op: y}\n",
        "$.stages[0].waves[0].actions[0] has the key \"op\" twice",
    );
    // Keys that differ are kept, in any case.
    let v = read("a: 1\nA: 2\n").expect("two keys");
    assert_eq!(v.as_object().map(Map::len), Some(2));
}

#[test]
fn nesting_past_the_limit_is_refused_in_json_and_yaml() {
    let deep = |open: &str, close: &str, n: usize| {
        format!("{{\"ops\": {}{}}}", open.repeat(n), close.repeat(n))
    };
    read(&deep("[", "]", MAX_DEPTH - 1)).expect("at the limit");
    refused(
        &deep("[", "]", MAX_DEPTH),
        "nested more than 100 levels deep",
    );
    refused(
        &format!("ops: {}{}", "[".repeat(200_000), "]".repeat(200_000)),
        "nested more than 100 levels deep",
    );
    refused(
        &format!("ops:\n{}x\n", "- ".repeat(200_000)),
        "nested more than 100 levels deep",
    );
    let block: String = (0..150).map(|i| format!("{}k:\n", " ".repeat(i))).collect();
    refused(&block, "nested more than 100 levels deep");
}

#[test]
fn alias_bombs_are_refused_quickly() {
    let mut lol = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for (i, c) in ('b'..='i').enumerate() {
        let prev = char::from(b'a' + i as u8);
        lol.push_str(&format!(
            "{c}: &{c} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
        ));
    }
    refused(&lol, "expand");
    // Many aliases of one large anchor: few jumps, huge expansion.
    let big = format!(
        "a: &a [{}]\nb: [{}]\n",
        "x,".repeat(20_000),
        "*a,".repeat(20_000)
    );
    refused(&big, "expand");
    // Modest reuse is fine.
    read("a: &a {x: 1}\nb: *a\nc: *a\n").expect("a few aliases");
}

#[test]
fn bounded_quotes_keep_200_characters_and_say_the_length() {
    assert_eq!(bounded("short"), "short");
    // The message, not `bounded`, cuts a quoted value, and counts the value's whole length.
    let long = "é".repeat(5000);
    let e = InputError::new(
        Path::new("ops.yaml"),
        Location::File,
        format!("{:?}", bounded(&long)),
    );
    let shown = e.to_string();
    assert!(shown.contains("…\" (5,000 characters)"), "{shown}");
    assert_eq!(shown.chars().filter(|c| *c == 'é').count(), 200);
    // What a message is built from stays bounded.
    let huge = "é".repeat(MAX_STRING);
    assert!(bounded(&huge).len() <= MAX_STRING);
}
