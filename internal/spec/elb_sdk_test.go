package spec

import (
	"reflect"
	"slices"
	"testing"

	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// TestELBMembersMatchSDK: every member of ecsgit's ELB model is a member of the SDK's
// input type (so a file ecsgit accepts is one `aws elbv2 create-* --cli-input-json`
// accepts), and every SDK member is in the model (so a valid AWS file is never refused
// as having an unknown field). Target groups also take Attributes, from
// ModifyTargetGroupAttributesInput.
func TestELBMembersMatchSDK(t *testing.T) {
	cases := []struct {
		ours  any
		sdk   any
		extra []string // ours only, with the reason in the model's comment
	}{
		{ELBLoadBalancer{}, elbv2.CreateLoadBalancerInput{}, nil},
		{ELBListener{}, elbv2.CreateListenerInput{}, nil},
		{ELBRule{}, elbv2.CreateRuleInput{}, nil},
		{ELBTargetGroup{}, elbv2.CreateTargetGroupInput{}, []string{"Attributes"}},
		{ELBAction{}, elbtypes.Action{}, nil},
		{ELBForwardConfig{}, elbtypes.ForwardActionConfig{}, nil},
		{ELBTargetGroupTuple{}, elbtypes.TargetGroupTuple{}, nil},
		{ELBRuleCondition{}, elbtypes.RuleCondition{}, nil},
		{ELBValuesConfig{}, elbtypes.PathPatternConditionConfig{}, nil},
		{ELBValuesConfig{}, elbtypes.HostHeaderConditionConfig{}, nil},
		{ELBMatcher{}, elbtypes.Matcher{}, nil},
		{ELBAttribute{}, elbtypes.TargetGroupAttribute{}, nil},
		{ELBTag{}, elbtypes.Tag{}, nil},
	}
	for _, tc := range cases {
		ot, st := reflect.TypeOf(tc.ours), reflect.TypeOf(tc.sdk)
		t.Run(ot.Name()+"/"+st.Name(), func(t *testing.T) {
			var sdkNames []string
			for _, f := range reflect.VisibleFields(st) {
				if f.IsExported() && !f.Anonymous {
					sdkNames = append(sdkNames, f.Name)
				}
			}
			ours := structInfoOf(ot).names
			for _, n := range ours {
				if !slices.Contains(sdkNames, n) && !slices.Contains(tc.extra, n) {
					t.Errorf("%s.%s is not a member of the SDK's %s", ot.Name(), n, st.Name())
				}
			}
			for _, n := range sdkNames {
				if !slices.Contains(ours, n) {
					t.Errorf("the SDK's %s.%s is missing from %s (a valid file would be refused)", st.Name(), n, ot.Name())
				}
			}
		})
	}
}
