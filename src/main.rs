use clap::Parser;

fn main() {
    let cli = tracesim::cli::Cli::parse();
    if let Err(f) = tracesim::cli::run(cli) {
        eprintln!("error: {:#}", f.error);
        std::process::exit(f.code);
    }
}
