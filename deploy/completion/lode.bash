# bash completion for lode, lode-broker and lode-worker.
# Options are read from each program's --help, so they follow the program.
_lode_opts() { # $1 = a command line that prints help
    "$@" --help 2>/dev/null | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u
}

_lode_daemon() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    case $prev in
    --stage) COMPREPLY=($(compgen -W "fetch snippet synthesis fanout" -- "$cur")); return ;;
    --engine) COMPREPLY=($(compgen -W "extractive openai noop" -- "$cur")); return ;;
    --log-level) COMPREPLY=($(compgen -W "error warn info debug" -- "$cur")); return ;;
    --llm-format) COMPREPLY=($(compgen -W "auto schema json text" -- "$cur")); return ;;
    --config | --curve-cert | --curve-server | --llm-api-key-file)
        COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --curve-allow | --prompts) COMPREPLY=($(compgen -d -- "$cur")); return ;;
    esac
    [[ $cur == -* ]] && COMPREPLY=($(compgen -W "$(_lode_opts "$1")" -- "$cur"))
}

_lode() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} cmd= i
    local cmds="submit status wait batch dead retry show export top list search prompts keygen keep
        drop edit move add remove undo help version"
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
        --redis | --broker | --prefix | --timeout | --curve-cert | --curve-server) ((i++)) ;;
        -*) ;;
        *) cmd=${COMP_WORDS[i]}; break ;;
        esac
    done
    case $prev in
    --format) COMPREPLY=($(compgen -W "json md jsonl" -- "$cur")); return ;;
    --stage) COMPREPLY=($(compgen -W "fetch snippet synthesis fanout" -- "$cur")); return ;;
    --curve-cert | --curve-server | -f | --file | -o | --output | --prices)
        COMPREPLY=($(compgen -f -- "$cur")); return ;;
    esac
    if [[ -z $cmd ]]; then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "--redis --broker --prefix --timeout --curve-cert
                --curve-server --help --version" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$cmds" -- "$cur"))
        fi
    elif [[ $cmd == help ]]; then
        COMPREPLY=($(compgen -W "$cmds" -- "$cur"))
    elif [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_lode_opts "$1" "$cmd")" -- "$cur"))
    elif [[ $cmd == submit ]]; then
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}

complete -F _lode lode
complete -F _lode_daemon lode-broker lode-worker
