use super::*;
use crate::ingest::text::decode;

fn records(text: &str) -> Result<(Vec<(RecordPlace, Node<'static>)>, JsonMeta), InputError> {
    let mut out = Vec::new();
    let reader = decode(Box::new(Cursor::new(text.as_bytes().to_vec())));
    let meta = read_records(Path::new("t.json"), reader, &mut |p, _, v| {
        out.push((p, v.into_owned()))
    })?;
    Ok((out, meta))
}

#[test]
fn pages_their_next_links_and_counts_are_counted() {
    // A one-page document, pretty-printed (read whole).
    let (_, meta) = records(
        "{\n \"@odata.count\": 7,\n \"@odata.nextLink\": \"n\",\n \"value\": [{\"id\": 1}]\n}",
    )
    .expect("page");
    assert_eq!(
        (meta.pages, meta.pages_with_next, meta.count),
        (1, 1, Some(7))
    );
    // JSON Lines: one page a line, the last without a next link.
    let (r, meta) = records(
        "{\"@odata.nextLink\":\"n\",\"@odata.count\":3,\"value\":[{\"id\":1},{\"id\":2}]}\n{\"value\":[{\"id\":3}],\"@odata.context\":\"c\"}\n",
    )
    .expect("lines");
    assert_eq!(r.len(), 3);
    assert_eq!(
        (meta.pages, meta.pages_with_next, meta.count),
        (2, 1, Some(3))
    );
    // A bare array is no page.
    let (_, meta) = records("[{\"id\": 1}]").expect("array");
    assert_eq!((meta.pages, meta.pages_with_next), (0, 0));
}

#[test]
fn paged_wrapper_bare_array_single_object_and_json_lines() {
    let (r, meta) =
        records(r#"{"@odata.context":"ctx","@odata.nextLink":"next","value":[{"id":1},{"id":2}]}"#)
            .expect("wrapper");
    assert_eq!(r.len(), 2);
    assert_eq!(meta.context.as_deref(), Some("ctx"));
    assert_eq!(meta.next_link.as_deref(), Some("next"));

    let (r, _) = records("[\n {\"id\": 1},\n {\"id\": 2},\n {\"id\": 3}\n]").expect("array");
    assert_eq!(r.len(), 3);
    assert_eq!(r[2].0, RecordPlace::Array { index: 2 });

    let (r, _) = records("{\n \"skuId\": \"x\",\n \"value\": 3\n}").expect("single");
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].0, RecordPlace::Single);
    let Node::Object(single) = &r[0].1 else {
        panic!("not an object: {:?}", r[0].1);
    };
    assert_eq!(single.get_exact("value"), Some(&Node::Int(3)));

    let (r, _) = records("{\"id\":1}\n\n{\"id\":2}\r\n{\"value\":[{\"id\":3}]}\n").expect("jsonl");
    assert_eq!(r.len(), 3);
    assert_eq!(
        r[1].0,
        RecordPlace::Line {
            line: 3,
            index: None
        }
    );
    assert_eq!(
        r[2].0,
        RecordPlace::Line {
            line: 4,
            index: Some(0)
        }
    );
}

#[test]
fn syntax_errors_name_line_and_column() {
    let e =
        records("{\n  \"value\": [\n    {\"id\": 1},\n    {\"id\": }\n  ]\n}").expect_err("bad");
    assert!(
        matches!(e.location, Location::Position { line: 4, .. }),
        "{e}"
    );
    let e = records("[{\"id\": 1}] trailing").expect_err("trailing");
    assert!(e.to_string().contains("invalid JSON"), "{e}");
    let e = records("\"just a string\"").expect_err("scalar");
    assert!(e.to_string().contains("top level"), "{e}");
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let e = records(&deep).expect_err("deep");
    assert!(e.to_string().contains("recursion limit"), "{e}");
}
