{# pandas' Styler table with the page's own id on <table> (Styler would write id="T_<uuid>"). #}
{% extends "html_table.tpl" %}
{% block table %}
<div class="table-wrap">
<table {{ table_attributes }}>
{{ self.caption() }}{{ self.thead() }}{{ self.tbody() }}</table>
</div>
{% endblock table %}
