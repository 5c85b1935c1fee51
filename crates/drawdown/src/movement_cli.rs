//! The command line for movement.

use clap::Subcommand;

#[derive(Subcommand)]
pub enum Command {
    /// Plan households onto departures from CSV files alone, without a database.
    Plan(crate::plan_cli::PlanArgs),
    /// (Being built: see docs/movement.md.)
    #[command(hide = true, name = "movement-pending")]
    Pending,
}

#[derive(Subcommand)]
pub enum BenchCommand {
    /// The manifest planner on seeded instances (1,000 to 120,000 people) against a greedy
    /// and HiGHS: objective, bound, gap, time; re-planning after a cancellation.
    Plan(crate::plan_cli::BenchArgs),
    /// (Being built: see docs/benchmarks.md.)
    #[command(hide = true, name = "movement-pending")]
    Pending,
}

pub async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Plan(args) => crate::plan_cli::plan(&args),
        Command::Pending => Ok(()),
    }
}

pub async fn bench(command: BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::Plan(args) => crate::plan_cli::bench(&args),
        BenchCommand::Pending => Ok(()),
    }
}
