"""Next-token prediction with teacher forcing: the baseline every other objective is set against."""

from creativity_bench.models.objectives.base import Objective, register_objective


class NextToken(Objective):
    name = "ntp"
    description = "Next-token prediction with teacher forcing."


register_objective(NextToken)
