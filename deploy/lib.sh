# deploy/lib.sh - shell helpers shared by deploy/demo.sh and bench/*/run.sh
# (sourced, not run).

# A random loopback port nobody answers on.
free_port() {
    local p
    while :; do
        p=$(shuf -i 20000-60000 -n 1)
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
    done
}
