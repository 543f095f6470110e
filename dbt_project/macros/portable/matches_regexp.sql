{#
    True when the text contains a match of the regular expression: DuckDB's regexp_matches, Spark's regexp_like.
    Write patterns without backslashes (`[{]` rather than `\{`): Spark reads a backslash in a string literal as
    an escape before the pattern ever sees it.
#}
{% macro matches_regexp(subject, pattern) -%}
    {{ return(adapter.dispatch('matches_regexp', 'nhtz')(subject, pattern)) }}
{%- endmacro %}

{% macro default__matches_regexp(subject, pattern) -%}
    regexp_matches({{ subject }}, {{ pattern }})
{%- endmacro %}

{% macro spark__matches_regexp(subject, pattern) -%}
    regexp_like({{ subject }}, {{ pattern }})
{%- endmacro %}
