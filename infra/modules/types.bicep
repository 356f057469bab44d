// Types shared by the modules.
metadata description = 'Shared user-defined types.'

@export()
@description('Resource tags: string values only.')
type tagsType = {
  *: string
}
