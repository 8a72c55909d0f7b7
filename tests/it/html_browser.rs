//! The HTML report in a real browser: headless Chromium renders the sample tenant's plan and a
//! hostile tenant's. The DOM must hold the verdict, every stage and the charts' titles; a
//! screenshot must show the chart (its bars' colour is painted); the hostile names must inject
//! no element and run no script (the page's title stays what licplan wrote).
//!
//! Chromium comes from the distribution's packages: `.ci/run` installs it when missing. This
//! test never skips itself: without Chromium it fails, saying so.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::licplan;

/// The Chromium binary, or a failure saying how to get it.
fn chromium() -> PathBuf {
    for name in ["chromium", "chromium-browser"] {
        let found = std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|d| d.join(name))
                .find(|p| p.is_file())
        });
        if let Some(p) = found {
            return p;
        }
    }
    panic!(
        "chromium is not installed: run .ci/run (it installs chromium with apt-get when missing), or `apt-get install -y chromium`"
    );
}

/// Writes the plan's HTML page into `dir`; its path.
fn page(dir: &Path, tenant: &str, intent: &str) -> PathBuf {
    let out = licplan(&["plan", tenant, "--intent", intent, "--format", "html"]);
    assert_eq!(out.status.code(), Some(0), "{tenant}");
    let path = dir.join("report.html");
    std::fs::write(&path, &out.stdout).expect("written");
    path
}

/// Runs headless Chromium on `page` with `args` (its own profile in `dir`); its stdout.
fn browse(dir: &Path, page: &Path, args: &[&str]) -> String {
    let profile = dir.join("profile");
    let out = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--disable-extensions",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success(),
        "chromium {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_sample_plan_renders_with_its_verdict_stages_and_charts() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let page = page(dir.path(), "testdata/contoso", "plans/e1-to-e3.yaml");
    let dom = browse(dir.path(), &page, &["--dump-dom"]);
    assert!(dom.contains("GO WITH CONDITIONS"), "{dom}");
    let plan = licplan(&[
        "plan",
        "testdata/contoso",
        "--intent",
        "plans/e1-to-e3.yaml",
        "--format",
        "json",
    ]);
    let plan: serde_json::Value = serde_json::from_slice(&plan.stdout).expect("JSON");
    let stages = plan["stages"].as_array().expect("stages");
    assert!(stages.len() >= 5);
    for st in stages {
        let heading = format!(
            "Stage {}: {}",
            st["number"],
            st["title"].as_str().expect("a title")
        );
        assert!(dom.contains(&heading), "{heading}");
    }
    for title in [
        "Seats at peak per product, by stage and wave, against enabled seats",
        "Users per wave",
        "Schedule: stages, waves and soaks",
    ] {
        assert!(
            dom.contains(&format!("<figcaption>{title}</figcaption>")),
            "{title}"
        );
    }

    // The seat chart sits right under the key numbers: in the first 2,000 pixels of a
    // 1,200-pixel-wide page. Its bars are painted in their colour, on a white background.
    let shot = dir.path().join("shot.png");
    browse(
        dir.path(),
        &page,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1200,2000",
        ],
    );
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(&shot).expect("a screenshot"),
    ));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("a frame");
    assert_eq!((info.width, info.height), (1200, 2000));
    let channels = info.color_type.samples();
    assert!(channels >= 3, "{:?}", info.color_type);
    let pixels: Vec<&[u8]> = buf[..info.buffer_size()].chunks(channels).collect();
    let near = |p: &[u8], rgb: [u8; 3]| p.iter().zip(rgb).all(|(a, b)| a.abs_diff(b) < 12);
    let bars = pixels.iter().filter(|p| near(p, [9, 105, 218])).count();
    let white = pixels.iter().filter(|p| near(p, [255, 255, 255])).count();
    assert!(bars > 5_000, "{bars} pixels of the bars' colour");
    assert!(white > pixels.len() / 3, "a white background: {white}");
    // The verdict band (amber for GO WITH CONDITIONS) is painted too.
    assert!(pixels.iter().filter(|p| near(p, [154, 103, 0])).count() > 5_000);
}

#[test]
fn hostile_names_inject_no_element_and_run_no_script() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let page = page(
        dir.path(),
        "testdata/hostile-html",
        "testdata/hostile-html-intent.yaml",
    );
    let dom = browse(dir.path(), &page, &["--dump-dom"]);
    assert!(dom.contains("id=\"verdict\""), "{dom}");
    for injected in ["<img", "<script", "onerror=\"", "pwned</title>"] {
        assert!(!dom.contains(injected), "{injected} in the DOM");
    }
    // The title is the plan's name as text: a script setting it would have replaced it.
    assert!(
        dom.contains("<title>&lt;/script&gt;&lt;script&gt;document.title='pwned'&lt;/script&gt; “board” \\u{202e}evil</title>"),
        "{}",
        &dom[..dom.len().min(2000)]
    );
    assert!(dom.contains("&lt;img src=x onerror=document.title='pwned'&gt;"));
    assert!(dom.contains("“curly” ‘quotes’@contoso.com"));
    assert!(dom.contains("abc\\u{202e}txt.exe@contoso.com"));
}
