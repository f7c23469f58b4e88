// libfmt's compiled part, built once for every sigctx binary. Debian ships libfmt only as a shared
// library, so a static link needs these definitions from somewhere; fmt's header-only mode would
// give them, but costs about 4 s of compile time in each of a hundred files. format-inl.h holds
// the out-of-line functions (FMT_FUNC is empty without FMT_HEADER_ONLY); the explicit
// instantiations are the templates format.h declares but does not define inline.
#include <fmt/format-inl.h>

FMT_BEGIN_NAMESPACE
namespace detail {
template FMT_API auto dragonbox::to_decimal(float x) noexcept -> dragonbox::decimal_fp<float>;
template FMT_API auto dragonbox::to_decimal(double x) noexcept -> dragonbox::decimal_fp<double>;
template FMT_API auto thousands_sep_impl(locale_ref) -> thousands_sep_result<char>;
template FMT_API auto decimal_point_impl(locale_ref) -> char;
}  // namespace detail
FMT_END_NAMESPACE
