//! `claimtrack completions` and `claimtrack man`: generated from the same clap definitions
//! as `--help`, so they never drift from the commands.

use std::path::PathBuf;

use clap::CommandFactory;
use clap_complete::Shell;

use super::output::{self, outln};
use super::{exit, Cli};

#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, powershell or elvish.
    shell: Shell,
}

#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// Write claimtrack.1 and one page per command (claimtrack-sync.1, …) into this folder
    /// instead of printing the main page.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

pub fn completions(args: CompletionsArgs) -> u8 {
    let mut cmd = Cli::command();
    // Into memory first: the generator panics on a write error, and a closed pipe
    // (`| head -1`) must end quietly.
    let mut buf = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "claimtrack", &mut buf);
    output::out(&String::from_utf8_lossy(&buf));
    exit::OK
}

pub fn man(args: ManArgs) -> u8 {
    let cmd = Cli::command();
    let result = match &args.out {
        None => {
            let mut buf = Vec::new();
            clap_mangen::Man::new(cmd).render(&mut buf).map(|()| output::out(&String::from_utf8_lossy(&buf)))
        }
        Some(dir) => std::fs::create_dir_all(dir).and_then(|()| clap_mangen::generate_to(cmd, dir)),
    };
    match result {
        Ok(()) => {
            if let Some(dir) = args.out {
                outln!("wrote the man pages to {} (e.g. `man -l {}/claimtrack.1`)", dir.display(), dir.display());
            }
            exit::OK
        }
        Err(e) => {
            eprintln!("error: the man page could not be written: {e}");
            exit::SETUP
        }
    }
}
