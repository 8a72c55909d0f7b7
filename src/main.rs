//! The `licplan` command: parses arguments, calls the library, maps the outcome to an exit code.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use licplan::app::{self, exit, AppError, InspectRequest, PlanRequest, SimulateRequest};
use licplan::render::Format;

const EXIT_CODES: &str = "\
Exit codes:
  0  success (plan, simulate: safe)
  1  the output could not be written
  2  unusable input: an export, ops file or argument is malformed (the message names the file, place and field)
  3  simulate: a user loses a license or a service, or a step runs out of seats (the report says where);
     plan: the simulator still finds a loss in the plan (a planner bug; the plan is written for inspection)";

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
    /// Write the staged migration plan for an intent: groups, the five steps, product changes,
    /// waves and seat forecast, proven safe by simulation (users who cannot move safely are held
    /// back with a reason and a fix).
    #[command(after_help = EXIT_CODES)]
    Plan {
        /// A folder of export files, or export files.
        #[arg(required = true, value_name = "TENANT")]
        tenant: Vec<PathBuf>,
        /// The migration intent (YAML), e.g. plans/e1-to-e3.yaml.
        #[arg(long, value_name = "FILE")]
        intent: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = FormatArg::Table)]
        format: FormatArg,
        /// Write the plan to this file (atomically) instead of standard output.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Service-plan rules added to (or overriding) the bundled ones.
        #[arg(long, value_name = "FILE")]
        rules: Option<PathBuf>,
    },
    /// Replay operations (or a plan) on the tenant the way Microsoft Entra ID applies them, and
    /// check after every step that no user loses a license or a service and no step runs out of
    /// seats.
    #[command(after_help = EXIT_CODES)]
    Simulate {
        /// A folder of export files, or export files.
        #[arg(required = true, value_name = "TENANT")]
        tenant: Vec<PathBuf>,
        /// An ops file: {"ops": [...]} in JSON or YAML.
        #[arg(
            long,
            value_name = "FILE",
            conflicts_with = "plan",
            required_unless_present = "plan"
        )]
        ops: Option<PathBuf>,
        /// A plan written by `licplan plan` (hand-edited or not): its actions are replayed in order.
        #[arg(long, value_name = "FILE")]
        plan: Option<PathBuf>,
        /// Service-plan rules added to (or overriding) the bundled ones.
        #[arg(long, value_name = "FILE")]
        rules: Option<PathBuf>,
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
        Command::Plan {
            tenant,
            intent,
            format,
            output,
            rules,
        } => app::plan(
            &PlanRequest {
                tenant,
                intent,
                rules,
                format: format.into(),
                output,
            },
            &mut out,
        ),
        Command::Simulate {
            tenant,
            ops,
            plan,
            rules,
            format,
        } => match ops.or(plan) {
            Some(ops) => app::simulate(
                &SimulateRequest {
                    tenant,
                    ops,
                    rules,
                    format: format.into(),
                },
                &mut out,
            ),
            None => Ok(()),
        },
    };
    let code = match result {
        Ok(()) => exit::OK,
        // A closed pipe (`licplan inspect … | head`) is not a failure.
        Err(AppError::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => exit::OK,
        // The report says what went wrong; only the exit code remains to be given.
        Err(e @ AppError::Unsafe(_)) => {
            let _ = out.flush();
            e.exit_code()
        }
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
