// Ingesting a large ERA makes and drops millions of small strings (lifting the plugin's
// output, validating it, serializing the stored events); mimalloc does that faster than
// glibc's malloc.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    claimtrack::cli::main()
}
