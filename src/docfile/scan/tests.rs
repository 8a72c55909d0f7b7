use super::*;

#[track_caller]
fn depth_ok(text: &str, max: usize) {
    if let Err(e) = check_depth(text, max) {
        panic!("{text:?} refused at {e:?}");
    }
}

#[track_caller]
fn too_deep(text: &str, max: usize) -> TooDeep {
    match check_depth(text, max) {
        Ok(()) => panic!("{text:?} passed at depth {max}"),
        Err(e) => e,
    }
}

#[test]
fn flow_and_block_nesting_count() {
    depth_ok("[[[]]]", 3);
    assert_eq!(too_deep("a: [[[[]]]]", 3), TooDeep { line: 1, column: 6 });
    depth_ok("a:\n  b:\n    c: 1\n", 3);
    too_deep("a:\n  b:\n    c:\n      d: 1\n", 3);
    depth_ok("- - - x\n", 3);
    too_deep("- - - - x\n", 3);
    too_deep("{a: {b: {c: {d: 1}}}}", 3);
    // Sequences in a mapping at the mapping's indentation are not a new level (libyaml).
    depth_ok("a:\n- b:\n  - c\n", 3);
}

#[test]
fn brackets_inside_scalars_and_comments_are_not_nesting() {
    depth_ok("a: '[[[['\nb: \"{{{{\\\"[[[\"\nc: x[[[[ # [[[[\n", 1);
    depth_ok("a: |\n  [[[[[\n  {{{{\nb: >-\n   [[[[\n", 1);
    depth_ok("a: it's [[[[\nb: x\n", 1);
    depth_ok("- !tag'x y\n", 1);
    depth_ok("a: &x [1]\nb: *x\n", 2);
}

#[test]
fn structure_after_a_scalar_that_looks_like_it_hides_it_is_still_counted() {
    // A quote in the middle of a plain scalar opens nothing: the flow below counts.
    too_deep("a: b 'c\nd: [[[[]]]]\n'\n", 3);
    // A plain scalar continued on a more indented line, then a quote at a key.
    too_deep("a: b\n  'c\nd: [[[[]]]]\n", 3);
    // Block scalar content ends at a less indented line.
    too_deep("- k: |\n    text\n  x: [[[[]]]]\n", 3);
    // An explicit indentation indicator ends the content before the flow.
    too_deep("k: |4\n    text\n  [[[[]]]]\n", 3);
    // `{a:'b'}`: the quote is inside a plain scalar, the brackets after it nest.
    too_deep("{a:'b[[[[]]]]'}", 3);
    // A verbatim tag holding a comma and a quote.
    too_deep("[!<a,'b> [[[[]]]]]", 3);
}

#[test]
fn deep_files_are_scanned_in_linear_time() {
    // 1,000,000 brackets: a quadratic scan would take far longer than the test timeout.
    let n = 1_000_000;
    let text = format!("ops: {}{}", "[".repeat(n), "]".repeat(n));
    let e = too_deep(&text, 100);
    assert_eq!(e.line, 1);
    // Balanced but long: scanned to the end.
    depth_ok(&"- [1, [2, [3]], 'a[', \"b{\"]\n".repeat(100_000), 4);
}
