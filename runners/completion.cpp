#include "runners/completion.h"

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <map>
#include <set>
#include <stdexcept>

#include "runners/bug_catalog.h"
#include "runners/case_registry.h"
#include "runners/cli_metavars.h"
#include "runners/commands.h"
#include "runners/fingerprint.h"
#include "runners/profiles.h"
#include "xstate/component_registry.h"

namespace sigctx {

namespace {

// The metavar without the range CLI11 appends ("UINT:UINT in [1 - 256]" is UINT).
std::string metavar_of(const CLI::Option& o) {
  const std::string t = o.get_type_name();
  return t.substr(0, t.find(':'));
}

// --inject-fault's values: guard, every component, and every register of each with each kind.
std::vector<std::string> fault_words() {
  std::vector<std::string> out = {"guard"};
  for (const ComponentDescriptor* c : all_components()) {
    const std::string comp(c->name);
    out.push_back(comp);
    std::vector<std::string> registers = {"*"};
    std::set<std::string> seen;
    for (const Field& f : fields_of(*c, live_machine()))
      if (seen.insert(f.name).second) registers.push_back(f.name);
    for (const std::string& r : registers) {
      out.push_back(comp + ":" + r);
      for (const char* kind : {"leak", "bitflip", "zero"})
        out.push_back(comp + ":" + r + ":" + kind);
    }
  }
  return out;
}

std::vector<std::string> case_words() {
  std::vector<std::string> out;
  for (const CaseDescriptor& c : all_cases())
    out.push_back(c.id);
  return out;
}

std::vector<std::string> bug_words() {
  std::vector<std::string> out;
  for (const BugEntry& b : bug_catalog())
    out.emplace_back(b.id);
  return out;
}

// A word inside single quotes in the script: nothing in it may end the quote or split it.
std::string quoted_words(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) {
    if (w.find_first_of("' \t\n\\") != std::string::npos)
      throw std::invalid_argument("completion word '" + w + "' needs quoting");
    out += (out.empty() ? "" : " ") + w;
  }
  return "'" + out + "'";
}

// "BUG|CASE" -> "_sigctx_values_BUG_CASE".
std::string values_variable(const std::string& metavar) {
  std::string v = "_sigctx_values_";
  for (char c : metavar)
    v += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return v;
}

// The part every shell shares: from the words before the cursor and the word under it, the
// candidates. Written for bash and for zsh under `emulate ksh` (word splitting, 0-based arrays).
constexpr const char* kCandidatesFunction = R"SH(
# _sigctx_candidates CUR WORD...: CUR is the word under the cursor, the WORDs those between
# `sigctx` and it. Sets _sigctx_matches (the candidates that start with what is typed),
# _sigctx_prefix (the typed part they extend) and _sigctx_files (files, dirs or empty).
_sigctx_candidates() {
  local cur=$1 cmd= pending= word want= words= prefix
  shift
  for word in "$@"; do
    if [ -z "$cmd" ]; then
      cmd=$word
    elif [ -n "$pending" ]; then
      pending=
    elif [ "$word" = -- ] && { [ "$cmd" = vm ] || [ "$cmd" = matrix ]; }; then
      cmd=run  # what follows -- is the guest's run options
    else
      case $word in
        --*=*) ;;
        -*)
          _sigctx_option_value "$cmd" "$word"
          pending=$_sigctx_reply
          ;;
      esac
    fi
  done
  prefix=$cur
  if [ -z "$cmd" ]; then
    words="$_sigctx_commands --help --version"
  elif [ -n "$pending" ]; then
    want=$pending
  else
    case $cur in
      --*=*)
        _sigctx_option_value "$cmd" "${cur%%=*}"
        want=$_sigctx_reply
        prefix=${cur#*=}
        ;;
      -*)
        _sigctx_options "$cmd"
        words=$_sigctx_reply
        ;;
      *)
        _sigctx_positional "$cmd"
        want=$_sigctx_reply
        ;;
    esac
  fi
  if [ -n "$want" ]; then
    _sigctx_values "$want"
    words=$_sigctx_reply
  fi
  _sigctx_matches=()
  _sigctx_files=
  _sigctx_prefix=$prefix
  # The words are split but never globbed: fault specs hold '*'.
  local globbing=1
  case $- in *f*) globbing= ;; esac
  set -f
  for word in $words; do
    case $word in
      @files | @dirs) _sigctx_files=${word#@} ;;
      "$prefix"*) _sigctx_matches+=("$word") ;;
    esac
  done
  [ -z "$globbing" ] || set +f
}
)SH";

constexpr const char* kBashGlue = R"SH(
# bash: the line up to the cursor, split at blanks (bash's own words also split at = and :).
_sigctx() {
  local line=${COMP_LINE:0:COMP_POINT} cur= keep= m
  local -a words
  read -ra words <<<"$line"
  if [[ $line != *[[:space:]] ]]; then
    cur=${words[${#words[@]}-1]}
    unset 'words[${#words[@]}-1]'
  fi
  _sigctx_candidates "$cur" "${words[@]:1}"
  # Bash replaces only the text after the last word-break character: trim what precedes it.
  [[ $COMP_WORDBREAKS == *:* && $_sigctx_prefix == *:* ]] && keep=${_sigctx_prefix%"${_sigctx_prefix##*:}"}
  [[ $cur == --*=* && $COMP_WORDBREAKS != *=* ]] && keep="-${cur%%=*}="
  COMPREPLY=()
  for m in "${_sigctx_matches[@]}"; do
    if [[ $keep == -* ]]; then COMPREPLY+=("${keep#-}$m"); else COMPREPLY+=("${m#"$keep"}"); fi
  done
  if [[ -n $_sigctx_files ]]; then
    local opt=-f
    [[ $_sigctx_files == dirs ]] && opt=-d
    mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen "$opt" -- "$_sigctx_prefix")
    compopt -o filenames 2>/dev/null
  fi
}
complete -F _sigctx sigctx
)SH";

constexpr const char* kZshGlue = R"SH(
_sigctx_zsh_candidates() {
  emulate -L ksh
  _sigctx_candidates "$@"
}

_sigctx() {
  local cur=${words[CURRENT]}
  _sigctx_zsh_candidates "$cur" "${(@)words[2,CURRENT-1]}"
  [[ $cur == --*=* ]] && compset -P '*='
  compadd -- "${_sigctx_matches[@]}"
  case $_sigctx_files in
    files) _files ;;
    dirs) _files -/ ;;
  esac
}

if [ "$funcstack[1]" = _sigctx ]; then
  _sigctx "$@"
else
  compdef _sigctx sigctx
fi
)SH";

std::string data_functions(const CLI::App& app) {
  const std::vector<CompletedCommand> commands = completed_commands(app);
  std::string names, options_cases, positional_cases;
  std::map<std::string, std::vector<std::string>> patterns_by_metavar;  // "run --cases"
  std::set<std::string> metavars;
  for (const CompletedCommand& c : commands) {
    names += (names.empty() ? "" : " ") + c.name;
    std::vector<std::string> longs;
    std::string positional;
    for (const CompletedOption& o : c.options) {
      if (o.positional) {
        if (positional.empty()) positional = o.metavar;
        metavars.insert(o.metavar);
        continue;
      }
      for (const std::string& n : o.names)
        if (n.rfind("--", 0) == 0) longs.push_back(n);
      if (o.metavar.empty()) continue;
      metavars.insert(o.metavar);
      for (const std::string& n : o.names)
        patterns_by_metavar[o.metavar].push_back("'" + c.name + " " + n + "'");
    }
    options_cases += fmt::format("    {}) _sigctx_reply={} ;;\n", c.name, quoted_words(longs));
    if (!positional.empty())
      positional_cases += fmt::format("    {}) _sigctx_reply='{}' ;;\n", c.name, positional);
  }
  std::string value_cases, values_cases, variables;
  for (const auto& [metavar, patterns] : patterns_by_metavar) {
    std::string joined;
    for (const std::string& p : patterns)
      joined += (joined.empty() ? "" : " | ") + p;
    value_cases += fmt::format("    {}) _sigctx_reply='{}' ;;\n", joined, metavar);
  }
  for (const std::string& metavar : metavars) {
    const ValueWords v = value_words(metavar);
    std::vector<std::string> words = v.words;
    if (v.files) words.push_back("@files");
    if (v.dirs) words.push_back("@dirs");
    if (words.empty()) continue;
    variables += fmt::format("{}={}\n", values_variable(metavar), quoted_words(words));
    values_cases +=
        fmt::format("    '{}') _sigctx_reply=${} ;;\n", metavar, values_variable(metavar));
  }
  return fmt::format(
      "_sigctx_commands='{}'\n{}\n"
      "# The long options of a command.\n"
      "_sigctx_options() {{\n  _sigctx_reply=\n  case $1 in\n{}  esac\n}}\n\n"
      "# What the value of option $2 of command $1 is called; empty for a flag.\n"
      "_sigctx_option_value() {{\n  _sigctx_reply=\n  case \"$1 $2\" in\n{}  esac\n}}\n\n"
      "# What a command's arguments are called.\n"
      "_sigctx_positional() {{\n  _sigctx_reply=\n  case $1 in\n{}  esac\n}}\n\n"
      "# The words a value may be; @files and @dirs: file or directory names too.\n"
      "_sigctx_values() {{\n  _sigctx_reply=\n  case $1 in\n{}  esac\n}}\n",
      names, variables, options_cases, value_cases, positional_cases, values_cases);
}

}  // namespace

std::vector<CompletedCommand> completed_commands(const CLI::App& app) {
  std::vector<CompletedCommand> out;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    CompletedCommand c{sub->get_name(), {}};
    for (const CLI::Option* o : sub->get_options()) {
      if (o->get_group().empty()) continue;  // hidden: internal
      CompletedOption co;
      co.positional = o->get_positional() && o->get_lnames().empty() && o->get_snames().empty();
      if (co.positional) co.names.push_back(o->get_name(true));
      for (const std::string& s : o->get_snames())
        co.names.push_back("-" + s);
      for (const std::string& l : o->get_lnames())
        co.names.push_back("--" + l);
      if (o->get_expected_min() > 0) co.metavar = metavar_of(*o);
      c.options.push_back(std::move(co));
    }
    out.push_back(std::move(c));
  }
  return out;
}

ValueWords value_words(const std::string& metavar) {
  namespace mv = metavar;
  if (metavar == mv::kCase) return {case_words()};
  if (metavar == mv::kBug) return {bug_words()};
  if (metavar == mv::kBugOrCase) {
    std::vector<std::string> w = bug_words();
    for (std::string& id : case_words())
      w.push_back(std::move(id));
    return {w};
  }
  if (metavar == mv::kFault) return {fault_words()};
  if (metavar == mv::kInjector) return {{"step", "hwbp", "int3", "async"}};
  if (metavar == mv::kProfile) {
    std::vector<std::string> w;
    for (const Profile& p : profiles())
      w.emplace_back(p.name);
    return {w};
  }
  if (metavar == mv::kEmulator) return {{"qemu", "bochs", "uml"}};
  if (metavar == mv::kKernel)
    return {{"uml", "debian:6.1", "debian:6.12", "debian:6.12-rt", "debian:6.1-cloud",
             "debian:6.12-cloud"},
            true};
  if (metavar == mv::kShell) return {{"bash", "zsh"}};
  if (metavar == mv::kFile) return {{}, true};
  if (metavar == mv::kDir) return {{}, false, true};
  for (const char* free_form :
       {mv::kSeed, mv::kAccel, mv::kCpuModel, mv::kKernelArgs, mv::kList, "UINT", "INT", "FLOAT"})
    if (metavar == free_form) return {};
  throw std::invalid_argument("no completion is decided for values named '" + metavar +
                              "' (runners/completion.cpp)");
}

std::string completion_script(const CLI::App& app, const std::string& shell) {
  if (shell != "bash" && shell != "zsh") return "";
  const std::string header = fmt::format(
      "{}# {} completion for sigctx, written by `sigctx completion {}` ({}).\n"
      "# Commands, options and what each value is come from sigctx's option definitions, the\n"
      "# case ids and catalog bugs from its registry: regenerate it with each new sigctx.\n",
      shell == "zsh" ? "#compdef sigctx\n" : "", shell, shell, tool_version_line());
  return header + "\n" + data_functions(app) + kCandidatesFunction +
         (shell == "bash" ? kBashGlue : kZshGlue);
}

int completion_command(const CLI::App& app, const std::string& shell) {
  const std::string script = completion_script(app, shell);
  if (script.empty()) {
    fmt::print(stderr, "sigctx: error: completion: unknown shell '{}' (bash or zsh)\n", shell);
    return 2;
  }
  fmt::print("{}", script);
  return 0;
}

}  // namespace sigctx
