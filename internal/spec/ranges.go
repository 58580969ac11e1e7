package spec

// Ranges are the numeric bounds ECS documents, keyed like Enums ("ModelType.jsonName").
// For an array, the bounds are on its length. Doc is the sentence of the SDK's doc comment
// of that field (aws-sdk-go-v2/service/ecs) that states the bound; TestRangesMatchSDK
// checks that the sentence is still there and names the numbers, so an SDK bump that
// changes a bound fails a test. Validation reads its bounds only from here.
var Ranges = map[string]Range{
	"HealthCheck.interval":    {5, 300, "You may specify between 5 and 300 seconds."},
	"HealthCheck.timeout":     {2, 60, "You may specify between 2 and 60 seconds."},
	"HealthCheck.retries":     {1, 10, "You may specify between 1 and 10 retries."},
	"HealthCheck.startPeriod": {0, 300, "You can specify between 0 and 300 seconds."},
	"EphemeralStorage.sizeInGiB": {21, 200,
		"The minimum supported value is 21 GiB and the maximum supported value is 200 GiB."},
	"TaskDefinition.cpu": {128, 196608,
		"Supported values are between 128 CPU units ( 0.125 vCPUs) and 196608 CPU units ( 192 vCPUs)."},
	"TaskDefinition.placementConstraints":  {0, 10, "You can specify a maximum of 10 constraints for each task."},
	"TaskDefinition.tags":                  {0, 50, "Maximum number of tags per resource - 50"},
	"ContainerDefinition.environmentFiles": {0, 10, "You can specify up to ten environment files."},
	"ContainerRestartPolicy.restartAttemptPeriod": {60, 1800,
		"You can set a minimum restartAttemptPeriod of 60 seconds and a maximum restartAttemptPeriod of 1800 seconds."},
	"ContainerRestartPolicy.ignoredExitCodes": {0, 50, "You can specify a maximum of 50 container exit codes."},
	"LinuxParameters.swappiness":              {0, 100, "Accepted values are whole numbers between 0 and 100 ."},
	"Service.placementStrategy":               {0, 5, "specify a maximum of 5 strategy rules for each service."},
	"Service.tags":                            {0, 50, "Maximum number of tags per resource - 50"},
	"CapacityProviderItem.base":               {0, 100000, "The valid range is 0 to 100,000"},
	"CapacityProviderItem.weight":             {0, 1000, "The valid range is 0 to 1,000"},
}

// Range is an inclusive bound with the documentation that states it.
type Range struct {
	Min, Max int
	Doc      string
}

func rangeOf(key string) Range {
	r, ok := Ranges[key]
	if !ok {
		panic("spec: no range " + key)
	}
	return r
}

// inRange reports whether val is within key's bounds.
func inRange(key string, val int) bool {
	r := rangeOf(key)
	return val >= r.Min && val <= r.Max
}
