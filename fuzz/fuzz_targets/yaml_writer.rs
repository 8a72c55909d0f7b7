//! Any bytes, as a structure of strings, numbers and booleans written by licplan's YAML writer:
//! the output must read back (serde_yaml) as the same value, and no plain scalar may resolve to
//! anything but what it is under YAML 1.1 (PyYAML's resolvers) or YAML 1.2.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};

#[path = "../../tests/it/yaml11.rs"]
mod yaml11;

/// Builds a value from the bytes: each byte below 8 opens or closes a list or a map, or picks a
/// number or a boolean; runs of other bytes are strings (lossy UTF-8, so any text appears).
fn build(bytes: &[u8]) -> Value {
    let mut stack: Vec<(Value, Option<String>)> = vec![(Value::Array(Vec::new()), None)];
    let mut text = Vec::new();
    let put = |stack: &mut Vec<(Value, Option<String>)>, v: Value| {
        if let Some((top, key)) = stack.last_mut() {
            match top {
                Value::Array(items) => items.push(v),
                Value::Object(map) => match key.take() {
                    None => *key = Some(v.as_str().map_or_else(|| v.to_string(), str::to_owned)),
                    Some(k) => {
                        map.insert(k, v);
                    }
                },
                _ => {}
            }
        }
    };
    for (i, &b) in bytes.iter().enumerate() {
        if b >= 8 {
            text.push(b);
            continue;
        }
        if !text.is_empty() {
            let s = String::from_utf8_lossy(&text).into_owned();
            put(&mut stack, Value::String(s));
            text.clear();
        }
        match b {
            0 if stack.len() < 40 => stack.push((Value::Array(Vec::new()), None)),
            1 if stack.len() < 40 => stack.push((Value::Object(Map::new()), None)),
            2 if stack.len() > 1 => {
                if let Some((v, _)) = stack.pop() {
                    put(&mut stack, v);
                }
            }
            3 => put(&mut stack, Value::from(i as i64 - 1000)),
            4 => put(&mut stack, Value::from(i as f64 / 7.0)),
            5 => put(&mut stack, Value::Bool(i % 2 == 0)),
            6 => put(&mut stack, Value::Null),
            _ => put(&mut stack, Value::String(String::new())),
        }
    }
    if !text.is_empty() {
        put(
            &mut stack,
            Value::String(String::from_utf8_lossy(&text).into_owned()),
        );
    }
    while stack.len() > 1 {
        if let Some((v, _)) = stack.pop() {
            put(&mut stack, v);
        }
    }
    stack.pop().map_or(Value::Null, |(v, _)| v)
}

fuzz_target!(|bytes: &[u8]| {
    let value = build(bytes);
    let mut out = Vec::new();
    licplan::render::yaml(&value, &mut out).expect("the writer accepts any value");
    let text = String::from_utf8(out).expect("UTF-8 output");
    let back: Value = serde_yaml::from_str(&text).expect("the output reads back");
    assert_eq!(back, value, "{text}");
    if let Err(e) = yaml11::check(&text) {
        panic!("{e}");
    }
});
