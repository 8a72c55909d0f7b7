use super::*;

#[test]
fn delimiter_sniffing() {
    assert_eq!(sniff_delimiter("user,sku"), b',');
    assert_eq!(sniff_delimiter("user;sku;disabled_plans"), b';');
    assert_eq!(sniff_delimiter("\"a;b\",c"), b',');
    assert_eq!(sniff_delimiter("user\tsku"), b'\t');
    assert_eq!(sniff_delimiter("single"), b',');
}

fn line_ends(input: &str, chunk: usize) -> String {
    let mut r = LineEnds::new(BufReader::with_capacity(chunk, input.as_bytes()));
    let mut out = Vec::new();
    let mut buf = vec![0; chunk];
    loop {
        let n = r.read(&mut buf).expect("reads");
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
    }
    String::from_utf8(out).expect("UTF-8")
}

#[test]
fn line_ends_become_lf_with_one_after_the_last_line() {
    for chunk in [1, 2, 3, 64] {
        assert_eq!(line_ends("a\r\nb\rc\nd", chunk), "a\nb\nc\nd\n", "{chunk}");
        assert_eq!(line_ends("a\r\n\r\n", chunk), "a\n\n", "{chunk}");
        assert_eq!(line_ends("\"x\r\ny\"\r\n", chunk), "\"x\ny\"\n", "{chunk}");
        assert_eq!(line_ends("", chunk), "", "{chunk}");
    }
}

#[test]
fn rows_are_numbered_by_the_line_they_start_on() {
    let text = "#TYPE x\r\nid,name\r\n\r\n1,a\r\n2,\"b\r\nc\"\r\n\r\n3,d";
    let mut reader = crate::ingest::text::decode(Box::new(Cursor::new(text.as_bytes().to_vec())));
    let (first, lines) = first_nonblank_line(&mut reader).expect("reads");
    let mut csv = CsvFile::open(Path::new("t.csv"), reader, first, lines).expect("opens");
    let mut starts = Vec::new();
    let mut skipped = Vec::new();
    while let Some(row) = csv.next_row(&mut skipped).expect("a row") {
        starts.push(row.line);
    }
    assert_eq!(starts, [4, 5, 8]);
    assert!(skipped.is_empty());
}

#[test]
fn lists_and_booleans() {
    assert_eq!(split_list("A; B|C, D  E"), ["A", "B", "C", "D", "E"]);
    assert_eq!(parse_bool(" TRUE "), Ok(Some(true)));
    assert_eq!(parse_bool(""), Ok(None));
    assert!(parse_bool("maybe").is_err());
}
