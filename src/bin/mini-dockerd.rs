fn main() {
    mini_dockerd::runtime::init::maybe_run_init();
}
