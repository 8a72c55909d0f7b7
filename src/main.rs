//! The `licplan` command: parses arguments, calls the library, maps the outcome to an exit code.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use licplan::app::{self, exit, AppError, InspectRequest};
use licplan::render::Format;

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  the output could not be written
  2  unusable input: an export or argument is malformed (the message names the file, place and field)";

/// Plans Microsoft 365 moves from direct to group-based licensing without any user losing a license.
#[derive(Debug, Parser)]
#[command(name = "licplan", version, about, after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Show what a tenant holds: products and seats, how users hold them, licensed groups,
    /// error states and findings.
    #[command(after_help = EXIT_CODES)]
    Inspect {
        /// A folder of export files, or export files (Graph JSON, PowerShell JSON, admin-center
        /// or plain CSV); several may be given.
        #[arg(required = true, value_name = "TENANT")]
        tenant: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = FormatArg::Table)]
        format: FormatArg,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FormatArg {
    Table,
    Json,
    Yaml,
    Markdown,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Self {
        match f {
            FormatArg::Table => Format::Table,
            FormatArg::Json => Format::Json,
            FormatArg::Yaml => Format::Yaml,
            FormatArg::Markdown => Format::Markdown,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let result = match cli.command {
        Command::Inspect { tenant, format } => app::inspect(
            &InspectRequest {
                tenant,
                format: format.into(),
            },
            &mut out,
        ),
    };
    let code = match result {
        Ok(()) => exit::OK,
        // A closed pipe (`licplan inspect … | head`) is not a failure.
        Err(AppError::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => exit::OK,
        Err(e) => {
            let _ = out.flush();
            #[allow(clippy::print_stderr)]
            {
                eprint!("error: {e}");
                if !e.to_string().ends_with('\n') {
                    eprintln!();
                }
            }
            e.exit_code()
        }
    };
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
