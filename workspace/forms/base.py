"""What the workspace's forms share: a model form that only parses the input, and the
choice of workers by their names."""

from __future__ import annotations

from django import forms


class InputModelForm(forms.ModelForm):
    """A model form that only parses the input, its fields, labels and choices taken from
    the model. It neither builds nor validates an instance: the action that saves runs the
    model's rules and the domain's, the one place they are enforced, once for every door."""

    def _post_clean(self) -> None:
        return


def worker_label(user) -> str:
    return user.get_full_name() or user.username


class WorkerChoiceField(forms.ModelChoiceField):
    """One worker (a lead worker), by name."""

    def label_from_instance(self, user) -> str:
        return worker_label(user)


class WorkersChoiceField(forms.ModelMultipleChoiceField):
    """Several workers (a case team), by name."""

    def label_from_instance(self, user) -> str:
        return worker_label(user)
