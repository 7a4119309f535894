"""Back office for the service directory: providers, services, sites, capacity, schedules,
and the memberships that give people their roles.

Two rules beyond the role permissions (services/roles.py):

* a directory record is edited by its organisation's provider staff; administrators edit
  them all, a superuser flag none (everyone with the permission may still view them): the
  actions' rule, ``services.actions.scope.may_edit``;
* the address and coordinates of a confidential site never reach anyone outside the
  owning organisation, superusers included: not in lists, forms, search or look-ups.

Every write is a domain action (``services/actions``, ``housing/actions/units.py``): the
forms only parse the input, ``save_model``, ``save_formset``, the delete paths and the
list actions turn it into the action's arguments, and a refusal comes back on the form by
the field it names (``registry.admin.AtlanteModelAdmin``). The actions hold who may write
what: provider staff their own organisation's records, administrators all of them.

One module per part: ``access`` (who sees and edits what), ``writes`` (the actions'
plumbing), ``filters``, ``organisations`` (and memberships, users), ``taxonomy`` and
``directory`` (services, sites, offerings, capacity, hours). Importing this package
registers them all.
"""

from services.admin import directory, filters, organisations, taxonomy  # noqa: F401
