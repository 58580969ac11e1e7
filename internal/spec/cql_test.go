package spec

import (
	"testing"
)

func TestParseCQL(t *testing.T) {
	tests := []struct {
		in, want string // want is the canonical String() form
	}{
		{"attribute:ecs.instance-type == t2.small", "attribute:ecs.instance-type == t2.small"},
		{"attribute:ecs.instance-type =~ t2.*", "attribute:ecs.instance-type =~ t2.*"},
		{"attribute:ecs.availability-zone in [us-east-1a, us-east-1b]", "attribute:ecs.availability-zone in [us-east-1a, us-east-1b]"},
		{"attribute:ecs.availability-zone !in [a,b]", "attribute:ecs.availability-zone !in [a, b]"},
		{"not(task:group == database)", "not(task:group == database)"},
		{"!(task:group == database)", "not(task:group == database)"},
		{"attribute:foo exists", "attribute:foo exists"},
		{"attribute:foo !exists", "attribute:foo !exists"},
		{"runningTasksCount > 1 && agentConnected == true", "runningTasksCount > 1 and agentConnected == true"},
		{"attribute:a == 1 or attribute:b == 2 and attribute:c == 3", "attribute:a == 1 or (attribute:b == 2 and attribute:c == 3)"},
		{"(attribute:a == 1 or attribute:b == 2) and attribute:c <= 3", "(attribute:a == 1 or attribute:b == 2) and attribute:c <= 3"},
		{"not(attribute:ecs.instance-type =~ (t2|t3).*)", "not(attribute:ecs.instance-type =~ (t2|t3).*)"},
		{"attribute:ecs.os-type !~ win.* || registeredAt >= 2024-01-01", "attribute:ecs.os-type !~ win.* or registeredAt >= 2024-01-01"},
	}
	for _, tt := range tests {
		e, err := ParseCQL(tt.in)
		if err != nil {
			t.Errorf("ParseCQL(%q): %v", tt.in, err)
			continue
		}
		if got := e.String(); got != tt.want {
			t.Errorf("ParseCQL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseCQLErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "column 1: expected a subject"},
		{"attribute:foo", "column 14: expected an operator"},
		{"attribute:foo ==", "column 17: expected a value after \"==\""},
		{"taskgroup == x", "column 1: unknown subject \"taskgroup\": did you mean \"task:group\"?"},
		{"attribute:a in x", "column 16: expected \"[\""},
		{"attribute:a in [x y]", "column 19: expected \",\" or \"]\""},
		{"(attribute:a exists", "column 20: expected \")\""},
		{"attribute:a exists attribute:b exists", "column 20: unexpected"},
		{"attribute: == 1", "column 1: attribute: needs a name"},
	}
	for _, tt := range tests {
		_, err := ParseCQL(tt.in)
		if err == nil || len(err.Error()) < len(tt.want) || err.Error()[:len(tt.want)] != tt.want {
			t.Errorf("ParseCQL(%q) error = %v, want prefix %q", tt.in, err, tt.want)
		}
	}
}

func TestParseCQLAST(t *testing.T) {
	e, err := ParseCQL("attribute:ecs.availability-zone in [a, b] and not task:group == db")
	if err != nil {
		t.Fatal(err)
	}
	if e.Kind != CQLAnd || len(e.Operands) != 2 || e.Operands[1].Kind != CQLNot {
		t.Fatalf("shape: %+v", e)
	}
	if name, ok := e.Operands[0].Attribute(); !ok || name != "ecs.availability-zone" {
		t.Errorf("Attribute() = %q, %v", name, ok)
	}
}
